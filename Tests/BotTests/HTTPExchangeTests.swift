import AsyncHTTPClient
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import Bot

/// `HTTPExchange` against a loopback server whose `/stall` route sends the head and the first
/// bytes of the body, then nothing for 5 s: the part of an answer only the exchange's own
/// deadline covers (AsyncHTTPClient's ends with the head). Without that deadline the exchanges
/// below would return the whole body after those 5 s, and the tests fail.
@Suite struct HTTPExchangeTests {
    static func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("/ok") { _, _ in "fine" }
        router.get("/stall") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "partial"))
                try await Task.sleep(for: .seconds(5))  // the server stops only once this answer is done
                try await writer.finish(nil)
            })
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func perform(_ path: String, port: Int, timeout: Duration) async throws -> HTTPExchangeResponse {
        try await HTTPExchange.perform(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), on: .shared,
                                       timeout: timeout, maxBodyBytes: 1 << 16, logger: Logger(label: "test"))
    }

    @Test("a complete answer comes back with its status and body")
    func answer() async throws {
        try await Self.application().test(.live) { client in
            let response = try await Self.perform("/ok", port: try #require(client.port), timeout: .seconds(10))
            #expect(response.status == 200)
            #expect(String(buffer: response.body) == "fine")
        }
    }

    @Test("a body that stops coming is a timeout once the deadline passes, not a wait for the server")
    func stalledBody() async throws {
        try await Self.application().test(.live) { client in
            let error = await #expect(throws: HTTPExchangeError.self) {
                try await Self.perform("/stall", port: try #require(client.port), timeout: .milliseconds(300))
            }
            #expect(error == .timeout)
        }
    }

    @Test("cancelling the caller while the body stalls ends the exchange with CancellationError")
    func cancelledWhileStalled() async throws {
        try await Self.application().test(.live) { client in
            let port = try #require(client.port)
            let exchange = Task { try await Self.perform("/stall", port: port, timeout: .seconds(50)) }
            try await Task.sleep(for: .milliseconds(200))
            exchange.cancel()
            await #expect(throws: CancellationError.self) { try await exchange.value }
        }
    }
}
