import AsyncHTTPClient
import Logging
import MetroSupport
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// One outbound HTTP request/response under a single deadline, shared by the Telegram, Sheets and
// OAuth clients. AsyncHTTPClient's own deadline stops at the response head; this puts the whole
// exchange — connect, send, head and body — under one timeout, reads the body with a size limit,
// and sorts failures by whether the request may have reached the server (which decides whether
// a non-idempotent call such as a Sheets append may be retried blindly).

/// A complete HTTP answer: status, headers and the whole body.
struct HTTPExchangeResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer

    /// `body`, or, when it is JSON nested deeper than `JSONNestingGuard` allows, a short text in
    /// its place: every client reads answers through here, and such a body crashed Foundation's
    /// parser. The clients then report an answer that is not JSON, as for any garbage.
    static func guarded(_ body: ByteBuffer) -> ByteBuffer {
        guard JSONNestingGuard.isTooDeep(body.readableBytesView) else { return body }
        return ByteBuffer(string: "(a body of \(body.readableBytes) bytes nested deeper than \(JSONNestingGuard.maximumDepth) levels, not parsed)")
    }

    /// The body as UTF-8 text, cut to `limit` characters, for error messages.
    func bodySnippet(limit: Int = 200) -> String {
        let text = String(buffer: body)
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}

/// Why an exchange produced no complete answer.
enum HTTPExchangeError: Error, Sendable, Equatable {
    /// No complete answer before the deadline; the request may or may not have been processed.
    case timeout
    /// No connection could be made (refused, DNS, connect timeout): nothing was sent.
    case notConnected(String)
    /// The connection failed after it was made; the request may have been sent and processed.
    case connectionLost(String)
    /// The body exceeded the limit.
    case bodyTooLarge(limit: Int)
}

enum HTTPExchange {
    /// Performs `request` on `client` and collects the answer, all within `timeout`.
    ///
    /// Cancelling the calling task cancels the request and throws `CancellationError`.
    /// - Throws: `HTTPExchangeError`, or `CancellationError`.
    static func perform(
        _ request: HTTPClientRequest,
        on client: HTTPClient,
        timeout: Duration,
        maxBodyBytes: Int,
        logger: Logger
    ) async throws -> HTTPExchangeResponse {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        // The exchange runs in a task of its own so that the timer below can cancel it.
        let exchange = Task {
            let response = try await client.execute(request, deadline: deadline, logger: logger)
            let body = try await response.body.collect(upTo: maxBodyBytes)
            return HTTPExchangeResponse(status: Int(response.status.code), headers: response.headers,
                                        body: HTTPExchangeResponse.guarded(body))
        }
        // The deadline for the body, which AsyncHTTPClient's deadline does not cover. A NIO timer,
        // which cancelling removes at once; not a `Task.sleep` racing the exchange: a cancelled
        // sleep stays queued in Dispatch, holding its task and timer, until its whole duration has
        // passed — `HTTP_TIMEOUT` worth of every request's leftovers in memory (docs/BENCHMARKS.md).
        let expired = ExpiryFlag()
        let timer = client.eventLoopGroup.any().scheduleTask(deadline: deadline) {
            expired.set()
            exchange.cancel()
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await exchange.value
            } onCancel: {
                exchange.cancel()
            }
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if expired.isSet { throw HTTPExchangeError.timeout }
            throw classify(error, maxBodyBytes: maxBodyBytes)
        }
    }

    /// Set once by the deadline's timer.
    private final class ExpiryFlag: Sendable {
        private let value = Atomic(false)
        var isSet: Bool { value.load(ordering: .acquiring) }
        func set() { value.store(true, ordering: .releasing) }
    }

    /// Whole milliseconds of `duration`, for log lines.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Sorts an AsyncHTTPClient / NIO error by what it says about the request.
    static func classify(_ error: any Error, maxBodyBytes: Int) -> HTTPExchangeError {
        if error is NIOTooManyBytesError {
            return .bodyTooLarge(limit: maxBodyBytes)
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return .timeout
            case .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout,
                 .socksHandshakeTimeout, .httpProxyHandshakeTimeout, .invalidURL, .emptyHost,
                 .emptyScheme, .alreadyShutdown, .proxyAuthenticationRequired:
                return .notConnected(String(describing: error))
            default:
                return .connectionLost(String(describing: error))
            }
        }
        if let error = error as? NIOConnectionError {
            let reasons = error.connectionErrors.map { String(describing: $0.error) }
            let detail = reasons.isEmpty ? "no address could be resolved" : reasons.joined(separator: ", ")
            return .notConnected("cannot connect to \(error.host):\(error.port) (\(detail))")
        }
        if case ChannelError.connectTimeout = error {
            return .notConnected("connect timeout")
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return .notConnected("connection refused")
        }
        return .connectionLost(String(describing: error))
    }
}
