import AsyncHTTPClient
@testable import ChaosKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MetroSupport
import NIOCore
import NIOHTTP1
import Testing

/// The round-robin front as a real HTTP server before real HTTP servers on loopback: the order
/// it picks, what it passes through both ways, and what it does when an instance is gone.
@Suite struct WebhookFrontTests {
    /// A tiny webhook server that answers `status` with `name|<secret-token header>|<body>`.
    static func withUpstream<T: Sendable>(_ name: String, status: HTTPResponse.Status = .ok,
                                          _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/telegram/webhook") { request, _ -> Response in
            let received = try await request.body.collect(upTo: 1 << 20)
            let secret = request.headers[HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!] ?? "none"
            let text = "\(name)|\(secret)|\(String(buffer: received))"
            return Response(status: status, headers: [.contentType: "text/plain", HTTPField.Name("X-Instance")!: name],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        var logger = Logger(label: "test.upstream")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0); continuation.finish() }, logger: logger)
        let server = ShieldedServiceGroup(services: [app], logger: logger) { continuation.finish() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let result: Result<T, any Error>
        do { result = .success(try await body(port)) } catch { result = .failure(error) }
        try await server.stop()
        return try result.get()
    }

    struct Answer {
        var status: UInt
        var text: String
        var instanceHeader: String?
    }

    /// One delivery through the front, as the fake Telegram sends it.
    static func deliver(_ front: WebhookFront, body: String, secret: String = "s3cret") async throws -> Answer {
        var request = HTTPClientRequest(url: front.baseURL + "/telegram/webhook")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Telegram-Bot-Api-Secret-Token", value: secret)
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return Answer(status: response.status.code, text: text, instanceHeader: response.headers.first(name: "X-Instance"))
    }

    @Test("deliveries go to the instances in turn, with body, secret token, status and headers passed through unchanged")
    func roundRobin() async throws {
        try await Self.withUpstream("a") { a in
            try await Self.withUpstream("b", status: .unauthorized) { b in
                try await WebhookFront.withRunning { front in
                    front.add(.init(name: "a", port: a))
                    front.add(.init(name: "b", port: b))
                    var answers: [Answer] = []
                    for index in 1...4 {
                        answers.append(try await Self.deliver(front, body: #"{"update_id":\#(index)}"#, secret: "secret-\(index)"))
                    }
                    #expect(answers.map(\.text) == [#"a|secret-1|{"update_id":1}"#, #"b|secret-2|{"update_id":2}"#,
                                                    #"a|secret-3|{"update_id":3}"#, #"b|secret-4|{"update_id":4}"#])
                    #expect(answers.map(\.status) == [200, 401, 200, 401])
                    #expect(answers.map(\.instanceHeader) == ["a", "b", "a", "b"])
                    #expect(front.deliveryCounts == ["a": 2, "b": 2])
                }
            }
        }
    }

    @Test("an instance that refuses the connection is skipped for the next one")
    func refusedSkipped() async throws {
        // Held bound (not listening) for the whole test: refused, and no parallel test's server
        // can take the port, as one did when it was only found free.
        let (refusing, nobody) = try BotEnvironment.boundLoopbackSocket()
        defer { close(refusing) }
        try await Self.withUpstream("a") { a in
            try await Self.withUpstream("b") { b in
                try await WebhookFront.withRunning { front in
                    front.add(.init(name: "a", port: a))
                    front.add(.init(name: "gone", port: nobody))
                    front.add(.init(name: "b", port: b))
                    var served: [String] = []
                    for index in 1...6 {
                        let answer = try await Self.deliver(front, body: "\(index)")
                        #expect(answer.status == 200)
                        served.append(String(answer.text.prefix { $0 != "|" }))
                    }
                    // The turn of the refusing instance falls to the one after it.
                    #expect(served == ["a", "b", "b", "a", "b", "b"])
                    #expect(front.deliveries(to: "gone") == 0)
                    #expect(front.deliveryCounts == ["a": 2, "b": 4])
                }
            }
        }
    }

    @Test("with no instance accepting connections the front answers 502")
    func noneUp() async throws {
        try await WebhookFront.withRunning { front in
            let empty = try await Self.deliver(front, body: "{}")
            #expect(empty.status == 502)
            front.add(.init(name: "a", port: try BotEnvironment.freePort()))
            front.add(.init(name: "b", port: try BotEnvironment.freePort()))
            let refused = try await Self.deliver(front, body: "{}")
            #expect(refused.status == 502)
            #expect(refused.text.contains("no instance accepted the connection"))
            #expect(front.deliveryCounts.isEmpty)
        }
    }

    @Test("an instance restarted on a new port replaces its old address, keeping its turn")
    func readded() async throws {
        try await Self.withUpstream("a") { a in
            try await WebhookFront.withRunning { front in
                front.add(.init(name: "a", port: try BotEnvironment.freePort()))
                #expect(try await Self.deliver(front, body: "1").status == 502)
                front.add(.init(name: "a", port: a))
                #expect(try await Self.deliver(front, body: "2").text == "a|s3cret|2")
                #expect(front.deliveryCounts == ["a": 1])
            }
        }
    }
}
