import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MetroSupport
import NIOCore
import NIOHTTP1
import NIOPosix

/// A round-robin reverse proxy before the webhook routes of several bot instances, as a
/// platform's load balancer puts one before its replicas: Telegram is given the front's URL, and
/// each delivery goes to the next instance in turn, with its body, its headers (the secret token
/// among them) and the instance's status and body passed back unchanged.
///
/// An instance that refuses the connection (stopped, killed, not yet listening) is skipped for the
/// next one, as a load balancer's health check would; when none accepts, the front answers 502 and
/// Telegram redelivers later. A request that reached an instance and then failed (the instance was
/// killed mid-request) is not retried elsewhere: it may have been processed, and the 502 it gets
/// makes Telegram redeliver it, which is exactly the case the bot's de-duplication is for.
public final class WebhookFront: Sendable {
    /// An instance behind the front.
    public struct Upstream: Sendable, Equatable {
        /// The instance's name, for the delivery counts.
        public var name: String
        /// Its HTTP port on 127.0.0.1.
        public var port: Int

        /// Creates an upstream.
        public init(name: String, port: Int) {
            self.name = name
            self.port = port
        }
    }

    private struct State {
        var upstreams: [Upstream] = []
        var next = 0
        var deliveries: [String: Int] = [:]
        /// Requests being forwarded now, whose answer is not counted yet.
        var inFlight = 0
    }

    /// The largest body forwarded: the bot refuses more than 1 MiB itself (413), and the front
    /// must pass that answer back rather than refuse first.
    static let maximumBody = 4 << 20
    /// How long one forwarded request may take.
    static let forwardTimeout: TimeAmount = .seconds(30)

    /// `http://127.0.0.1:PORT`, the base of the instances' `WEBHOOK_URL`.
    public let baseURL: String
    private let state: LockedState<State>
    private let client: HTTPClient

    private init(port: Int, state: LockedState<State>, client: HTTPClient) {
        self.baseURL = "http://127.0.0.1:\(port)"
        self.state = state
        self.client = client
    }

    /// Starts the front on an ephemeral loopback port, runs `body`, and always stops it.
    /// - Parameter body: The code that uses the running front.
    /// - Throws: `body`'s error, or the server's.
    public static func withRunning<T: Sendable>(_ body: @Sendable (WebhookFront) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        // Fail fast on a refused connection so the next instance is tried at once; the default
        // retries with backoff until the connect timeout, which would stall every delivery.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(1)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let state = LockedState(State())
        var logger = Logger(label: "chaos.front")
        logger.logLevel = .critical
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let router = Router()
        let forward: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            try await WebhookFront.forward(request, state: state, client: client)
        }
        router.on("**", method: .post, use: forward)
        router.on("**", method: .get, use: forward)
        let app = Application(
            router: router, server: .http1(limits: .standard),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let server = ShieldedServiceGroup(services: [app], logger: logger) { portContinuation.finish() }
        let outcome: Result<T, any Error>
        var iterator = ports.makeAsyncIterator()
        if let port = await iterator.next() {
            do {
                outcome = .success(try await body(WebhookFront(port: port, state: state, client: client)))
            } catch {
                outcome = .failure(error)
            }
        } else {
            outcome = .failure(ControlClient.Failure(description: "the webhook front stopped before it listened"))
        }
        try? await server.stop()
        try? await client.shutdown()
        return try outcome.get()
    }

    /// Puts an instance behind the front (again, after a restart on a new port). Deliveries go
    /// to the instances in the order they were first added.
    public func add(_ upstream: Upstream) {
        state.withLock { state in
            if let index = state.upstreams.firstIndex(where: { $0.name == upstream.name }) {
                state.upstreams[index] = upstream
            } else {
                state.upstreams.append(upstream)
            }
        }
    }

    /// How many requests the front forwarded to `instance` and got an answer for.
    public func deliveries(to instance: String) -> Int {
        state.withLock { $0.deliveries[instance] ?? 0 }
    }

    /// Every instance's delivery count, by name.
    public var deliveryCounts: [String: Int] {
        state.withLock { $0.deliveries }
    }

    /// Every instance's delivery count, once no request is being forwarded (or after `limit`).
    /// A bot may send its reply before its answer to the delivery is back through the front, so
    /// a check that waited for the reply reads the counts through this, not `deliveryCounts`.
    public func settledDeliveryCounts(limit: Duration = .seconds(5)) async -> [String: Int] {
        let deadline = ContinuousClock.now + limit
        while state.withLock({ $0.inFlight > 0 }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return deliveryCounts
    }

    /// The instances in the order to try for the next request; moves the turn on by one.
    private static func takeTurn(_ state: LockedState<State>) -> [Upstream] {
        state.withLock { state in
            guard !state.upstreams.isEmpty else { return [] }
            let start = state.next % state.upstreams.count
            state.next = start + 1
            return Array(state.upstreams[start...] + state.upstreams[..<start])
        }
    }

    private static func forward(_ request: Request, state: LockedState<State>, client: HTTPClient) async throws -> Response {
        let body = try await request.body.collect(upTo: maximumBody)
        state.withLock { $0.inFlight += 1 }
        defer { state.withLock { $0.inFlight -= 1 } }
        for upstream in takeTurn(state) {
            var outbound = HTTPClientRequest(url: "http://127.0.0.1:\(upstream.port)\(request.uri.string)")
            outbound.method = request.method == .get ? .GET : .POST
            for field in request.headers where !hopByHop.contains(field.name.canonicalName) {
                outbound.headers.add(name: field.name.rawName, value: field.value)
            }
            if request.method != .get { outbound.body = .bytes(body) }
            let answer: HTTPClientResponse
            do {
                answer = try await client.execute(outbound, timeout: forwardTimeout)
            } catch let error where neverReached(error) {
                continue
            } catch {
                return text(.badGateway, "instance \(upstream.name) failed mid-request: \(error)")
            }
            let answerBody = try await answer.body.collect(upTo: maximumBody)
            state.withLock { $0.deliveries[upstream.name, default: 0] += 1 }
            var headers = HTTPFields()
            for (name, value) in answer.headers where !hopByHop.contains(name.lowercased()) {
                if let fieldName = HTTPField.Name(name) { headers.append(HTTPField(name: fieldName, value: value)) }
            }
            return Response(status: .init(code: Int(answer.status.code)), headers: headers, body: .init(byteBuffer: answerBody))
        }
        return text(.badGateway, "no instance accepted the connection")
    }

    /// Headers that belong to one connection, not to the request, and that the HTTP stack sets.
    private static let hopByHop: Set<String> = ["host", "connection", "keep-alive", "content-length", "transfer-encoding", "upgrade"]

    /// Whether the request failed before any byte reached the instance (nothing listens there).
    static func neverReached(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if error is NIOConnectionError { return true }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return true }
        return false
    }

    private static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message)))
    }
}
