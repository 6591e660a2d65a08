import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import _CryptoExtras

/// Obtains and caches OAuth access tokens for a service account: a JWT signed with RS256
/// (`ServiceAccountAssertion`) is exchanged at the key's `token_uri` with the
/// `urn:ietf:params:oauth:grant-type:jwt-bearer` grant.
///
/// A token is reused until `refreshMargin` before it expires; concurrent callers share one
/// in-flight exchange; `invalidate()` (after a 401) forces a new one. Retryable failures of the
/// exchange (429, 5xx, timeouts, connection failures) are retried with `Backoff` up to
/// `maxAttempts`; a refused assertion is not.
public actor AccessTokenProvider {
    private struct CachedToken: Sendable {
        var value: String
        var refreshAt: Date
    }

    /// An exchange in flight and the callers waiting for it; the last waiter to be cancelled
    /// cancels the exchange, so shutdown is never held up by a slow token endpoint.
    private final class SharedExchange: @unchecked Sendable {
        let task: Task<CachedToken, any Error>
        private let lock = NSLock()
        private var waiting: Set<Int> = []
        private var nextTicket = 0

        init(task: Task<CachedToken, any Error>) { self.task = task }

        func join() -> Int {
            lock.lock(); defer { lock.unlock() }
            nextTicket += 1
            waiting.insert(nextTicket)
            return nextTicket
        }

        func leave(_ ticket: Int, cancelling: Bool) {
            lock.lock()
            let removed = waiting.remove(ticket) != nil
            let nobodyLeft = waiting.isEmpty
            lock.unlock()
            if cancelling, removed, nobodyLeft { task.cancel() }
        }
    }

    private let key: ServiceAccountKey
    private let signingKey: _RSA.Signing.PrivateKey
    private let scope: String
    private let httpClient: HTTPClient
    private let timeout: Duration
    private let refreshMargin: TimeInterval
    private let retryBackoff: Backoff
    private let maxAttempts: Int
    private let logger: Logger
    private let metrics: BotMetrics
    private let now: @Sendable () -> Date

    private var cached: CachedToken?
    private var inFlight: SharedExchange?
    private var exchanges = 0

    /// Creates a provider; no request is made until the first `accessToken()`.
    ///
    /// - Parameters:
    ///   - key: the service account (`ServiceAccountKey.load(contentsOf:)`).
    ///   - scope: defaults to `https://www.googleapis.com/auth/spreadsheets`.
    ///   - httpClient: the shared client.
    ///   - timeout: the deadline of each exchange (`HTTP_TIMEOUT`).
    ///   - refreshMargin: how long before expiry a token is replaced. Defaults to 60 seconds
    ///     (at most half the token's lifetime).
    ///   - retryBackoff: delays between attempts. Defaults to 0.5 s doubling up to 8 s.
    ///   - maxAttempts: attempts per exchange (at least 1). Defaults to 3.
    ///   - logger: one line per exchange.
    ///   - metrics: records each exchange's duration and error code (operation `token`).
    ///     Defaults to a registry of its own.
    ///   - now: the wall clock, for `iat` and expiry. Defaults to `Date()`.
    /// - Throws: `ServiceAccountKeyError` when the private key cannot be parsed.
    public init(
        key: ServiceAccountKey,
        scope: String = "https://www.googleapis.com/auth/spreadsheets",
        httpClient: HTTPClient,
        timeout: Duration,
        refreshMargin: Duration = .seconds(60),
        retryBackoff: Backoff = Backoff(base: .milliseconds(500), maximum: .seconds(8)),
        maxAttempts: Int = 3,
        logger: Logger,
        metrics: BotMetrics = BotMetrics(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        do {
            signingKey = try key.signingKey()
        } catch {
            throw ServiceAccountKeyError(path: key.clientEmail, problem: .badPrivateKey)
        }
        self.key = key
        self.scope = scope
        self.httpClient = httpClient
        self.timeout = timeout
        let (seconds, attoseconds) = refreshMargin.components
        self.refreshMargin = max(Double(seconds) + Double(attoseconds) / 1e18, 0)
        self.retryBackoff = retryBackoff
        self.maxAttempts = max(maxAttempts, 1)
        self.logger = logger
        self.metrics = metrics
        self.now = now
    }

    /// A valid access token: the cached one, or a new one from the token endpoint.
    ///
    /// Cancelling the last caller waiting for an exchange cancels the exchange, so it ends at
    /// once with `CancellationError` (graceful shutdown is never held up by a slow token
    /// endpoint); a cancelled caller among several waits for the shared exchange to end.
    /// - Throws: `SheetsError` with operation `.token`, or `CancellationError`.
    public func accessToken() async throws -> String {
        while true {
            if let cached, now() < cached.refreshAt {
                return cached.value
            }
            // One exchange shared by every caller that arrives while it runs, in a task of its own
            // so that one caller's cancellation does not fail the others.
            let exchange: SharedExchange
            if let inFlight {
                exchange = inFlight
            } else {
                exchange = SharedExchange(task: Task { try await self.exchangeWithRetries() })
                inFlight = exchange
            }
            let ticket = exchange.join()
            do {
                let token = try await withTaskCancellationHandler {
                    try await exchange.task.value
                } onCancel: {
                    exchange.leave(ticket, cancelling: true)
                }
                exchange.leave(ticket, cancelling: false)
                if inFlight === exchange { inFlight = nil }
                cached = token
                return token.value
            } catch is CancellationError where !Task.isCancelled {
                // The exchange was cancelled by the callers that started it, after this one joined:
                // start another.
                exchange.leave(ticket, cancelling: false)
                if inFlight === exchange { inFlight = nil }
                continue
            } catch {
                exchange.leave(ticket, cancelling: false)
                if inFlight === exchange { inFlight = nil }
                if Task.isCancelled { throw CancellationError() }
                throw error
            }
        }
    }

    /// Forgets the cached token, so the next `accessToken()` obtains a new one. Called after an
    /// API call answered 401 UNAUTHENTICATED.
    ///
    /// - Parameter token: the token that was refused; when given, the cache is cleared only if it
    ///   still holds that token (another caller may have replaced it already). Defaults to nil.
    public func invalidate(_ token: String? = nil) {
        if let token, cached?.value != token { return }
        cached = nil
    }

    /// Token exchanges made so far (successful or not), for metrics and tests.
    public func exchangeCount() -> Int { exchanges }

    private func exchangeWithRetries() async throws -> CachedToken {
        var attempt = 1
        while true {
            do {
                return try await exchange()
            } catch let error as SheetsError where error.isRetryable && attempt < maxAttempts {
                let delay = retryBackoff.delay(forAttempt: attempt)
                logger.warning("token request failed; retrying", metadata: [
                    "error": "\(error)", "attempt": "\(attempt)", "retry_in_ms": "\(HTTPExchange.milliseconds(delay))",
                ])
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }

    private func exchange() async throws -> CachedToken {
        exchanges += 1
        let issuedAt = now()
        let assertion: String
        do {
            assertion = try ServiceAccountAssertion.make(key: key, signingKey: signingKey, scope: scope, issuedAt: issuedAt)
        } catch {
            throw SheetsError.tokenRejected(status: 0, error: "signing_failed", description: "the JWT could not be signed with the service account's key")
        }
        var request = HTTPClientRequest(url: key.tokenURI)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(assertion)"
        request.body = .bytes(ByteBuffer(string: form))

        let started = ContinuousClock.now
        do {
            let token = try await send(request, issuedAt: issuedAt)
            metrics.sheetsRequest(operation: SheetsOperation.token.rawValue, duration: ContinuousClock.now - started)
            return token
        } catch let error as SheetsError {
            metrics.sheetsRequest(operation: SheetsOperation.token.rawValue, duration: ContinuousClock.now - started,
                                  errorCode: error.metricsCode, detail: error.description)
            throw error
        }
    }

    /// Sends the token request and reads the token from the answer.
    private func send(_ request: HTTPClientRequest, issuedAt: Date) async throws -> CachedToken {
        let started = ContinuousClock.now
        let response: HTTPExchangeResponse
        do {
            response = try await HTTPExchange.perform(request, on: httpClient, timeout: timeout, maxBodyBytes: 1 << 20, logger: logger)
        } catch let error as HTTPExchangeError {
            throw SheetsError(error, operation: .token)
        }
        logger.debug("token request", metadata: [
            "http.status": "\(response.status)", "duration_ms": "\(HTTPExchange.milliseconds(ContinuousClock.now - started))",
        ])
        guard (200..<300).contains(response.status) else {
            throw SheetsError.fromTokenEndpoint(response: response)
        }
        struct TokenAnswer: Decodable {
            var accessToken: String
            var expiresIn: Int
            var tokenType: String?
            enum CodingKeys: String, CodingKey {
                case accessToken = "access_token", expiresIn = "expires_in", tokenType = "token_type"
            }
        }
        let answer: TokenAnswer
        do {
            answer = try JSONDecoder().decode(TokenAnswer.self, from: Data(response.body.readableBytesView))
        } catch let error as DecodingError {
            throw SheetsError.malformedResponse(operation: .token, description: "the token answer \(error.fieldSummary)")
        }
        guard !answer.accessToken.isEmpty, answer.expiresIn > 0 else {
            throw SheetsError.malformedResponse(operation: .token, description: "the token answer has an empty access_token or a non-positive expires_in")
        }
        if let type = answer.tokenType, type.lowercased() != "bearer" {
            throw SheetsError.malformedResponse(operation: .token, description: "token_type is \(type), expected Bearer")
        }
        let lifetime = TimeInterval(answer.expiresIn)
        let margin = min(refreshMargin, lifetime / 2)
        return CachedToken(value: answer.accessToken, refreshAt: issuedAt.addingTimeInterval(lifetime - margin))
    }
}

extension SheetsError {
    /// The error for an exchange that produced no answer.
    init(_ error: HTTPExchangeError, operation: SheetsOperation) {
        switch error {
        case .timeout:
            self = .timeout(operation: operation)
        case .notConnected(let detail):
            self = .transport(operation: operation, requestSent: false, description: detail)
        case .connectionLost(let detail):
            self = .transport(operation: operation, requestSent: true, description: detail)
        case .bodyTooLarge(let limit):
            self = .malformedResponse(operation: operation, description: "the answer is larger than \(limit) bytes")
        }
    }
}
