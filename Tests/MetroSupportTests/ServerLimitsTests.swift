import Hummingbird
import HummingbirdCore
import Logging
import MetroSupport
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A raw TCP connection to a server under test: bytes in, bytes out, nothing of HTTP.
private struct RawConnection {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func open(port: Int) async throws -> RawConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return RawConnection(channel: channel)
    }

    /// Opens a connection, sends `text` and reads until the server closes it; "" when the server
    /// closed it before anything could be read (or even before it was set up).
    static func exchange(port: Int, _ text: String) async throws -> String {
        do {
            return try await open(port: port).send(text)
        } catch ChannelError.ioOnClosedChannel {
            return ""
        }
    }

    /// A connection that sends nothing, held until closed with `close()`.
    static func hold(port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
    }

    /// Sends `text`, then reads until the server closes (or resets) the connection; returns what
    /// it sent back.
    func send(_ text: String) async throws -> String {
        try await channel.executeThenClose { inbound, outbound in
            var received = ""
            do {
                if !text.isEmpty { try await outbound.write(ByteBuffer(string: text)) }
                for try await buffer in inbound { received += String(buffer: buffer) }
            } catch let error as IOError where error.errnoCode == ECONNRESET || error.errnoCode == EPIPE {
                // A server that closes a connection with unread input resets it.
            } catch ChannelError.ioOnClosedChannel {
                // Closed before the request could be written.
            }
            return received
        }
    }
}

/// Runs `body` with a server on an ephemeral port that answers `GET /` with "hello". The server
/// runs in a service group of its own (not HummingbirdTesting's live mode, whose client would
/// hold a connection of its own and so count against the cap).
private func withServer(limits: ServerLimits, connections: ConnectionCounter = ConnectionCounter(),
                        _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    let router = Router()
    router.get("/") { _, _ in "hello" }
    router.post("/") { request, _ in
        let body = try await request.body.collect(upTo: 1 << 20)
        return "got \(body.readableBytes)"
    }
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    let app = Application(
        router: router, server: .http1(limits: limits, connections: connections),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        })
    let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "ServerLimitsTests")))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        do {
            try await body(port)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ServerLimitsTests {
    /// One deadline short, the others long, so that a loaded machine's slowness in writing the
    /// request cannot be mistaken for the deadline under test.
    static func only(head: Duration = .seconds(30), body: Duration = .seconds(30), idle: Duration = .seconds(30)) -> ServerLimits {
        ServerLimits(headTimeout: head, bodyTimeout: body, idleTimeout: idle, maximumConnections: 64)
    }

    @Test("a connection that sends nothing is closed after the head timeout")
    func silentConnection() async throws {
        try await withServer(limits: Self.only(head: .milliseconds(300))) { port in
            let answer = try await RawConnection.open(port: port).send("")
            #expect(answer == "")
        }
    }

    @Test("a request head that never completes (slowloris) is closed after the head timeout")
    func slowHead() async throws {
        try await withServer(limits: Self.only(head: .milliseconds(300))) { port in
            let answer = try await RawConnection.open(port: port).send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            #expect(answer == "")
        }
    }

    @Test("a body that never completes is closed after the body timeout")
    func slowBody() async throws {
        try await withServer(limits: Self.only(body: .milliseconds(300))) { port in
            let answer = try await RawConnection.open(port: port)
                .send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b")
            #expect(!answer.contains("got"), "\(answer)")
        }
    }

    @Test("a complete request is answered, and the kept-alive connection is closed once idle")
    func keepAliveIdle() async throws {
        try await withServer(limits: Self.only(idle: .milliseconds(300))) { port in
            let answer = try await RawConnection.open(port: port).send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
            #expect(answer.hasSuffix("hello"), "\(answer)")
        }
    }

    @Test("over the connection cap a new connection is closed at once; under it, requests are served")
    func connectionCap() async throws {
        let limits = ServerLimits(headTimeout: .seconds(10), bodyTimeout: .seconds(30), idleTimeout: .seconds(30), maximumConnections: 2)
        let connections = ConnectionCounter()
        try await withServer(limits: limits, connections: connections) { port in
            let held = [try await RawConnection.hold(port: port), try await RawConnection.hold(port: port)]
            while connections.openConnections < 2 { try await Task.sleep(for: .milliseconds(10)) }
            // A full request on a third connection: closed unanswered.
            let refused = try await RawConnection.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(refused == "")
            #expect(connections.refusedConnections == 1)
            for connection in held { try? await connection.close() }
            while connections.openConnections > 0 { try await Task.sleep(for: .milliseconds(10)) }
            let answer = try await RawConnection.open(port: port).send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        }
    }
}
