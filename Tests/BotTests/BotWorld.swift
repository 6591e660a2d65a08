import AsyncHTTPClient
import Bot
import FakeSheets
import FakeTelegram
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization
import MetroSupport

/// The whole bot running in-process (`BotApplication`, every service) against both fakes on
/// ephemeral loopback ports, with its store in a temporary directory; torn down after the test.
struct BotWorld: Sendable {
    let telegram: FakeTelegram
    let sheets: FakeSheets
    let spreadsheetID: String
    let botPort: Int
    let adminToken: String
    let httpClient: HTTPClient
    let services: BotServices

    var botBaseURL: String { "http://127.0.0.1:\(botPort)" }

    func sheetRows() async throws -> [[String]] {
        try await sheets.rows(spreadsheetID: spreadsheetID, sheet: "Attendance")
    }

    /// The texts the bot sent to `chat`, in order.
    func sentTexts(to chat: Int64) async throws -> [String] {
        try await telegram.chatMessages(chatID: chat).map(\.text)
    }

    /// GET or POST a path of the bot's own HTTP server.
    func request(_ path: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil,
                 timeout: Duration = .seconds(10)) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: botBaseURL + path)
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await httpClient.execute(request, timeout: .init(timeout))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    func health() async throws -> [String: Any] {
        let (_, body) = try await request("/health")
        return try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
    }

    /// Runs the bot with `environment` on top of the one the fakes need, until `body` returns;
    /// then shuts it down gracefully and waits for it.
    static func withBot(
        webhook: Bool = true,
        environment extra: [String: String] = [:],
        telegramConfiguration: FakeTelegram.Configuration = FakesForBot.fastTelegram,
        beforeStart: @Sendable (FakeTelegram) async throws -> Void = { _ in },
        _ body: @Sendable (BotWorld) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let adminToken = "admin-\(UUID().uuidString)"
            let environment = extra.merging(["ADMIN_TOKEN": adminToken]) { _, ours in ours }
            try await FakesForBot.with(in: directory, telegramConfiguration: telegramConfiguration, webhook: webhook,
                                       environment: environment) { fakes in
                let telegram = fakes.telegram, sheets = fakes.sheets, spreadsheetID = fakes.spreadsheetID, port = fakes.port
                let configuration = try BotConfiguration(environment: fakes.environment)
                try await beforeStart(telegram)

                var logger = Logger(label: "bot-under-test")
                logger.logLevel = .notice
                let application = BotApplication(configuration: configuration, logger: logger)
                let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    try await application.withServices { services in
                        let group = ServiceGroup(configuration: .init(services: services.configurations, logger: logger))
                        try await withThrowingTaskGroup(of: Void.self) { tasks in
                            tasks.addTask { try await group.run() }
                            let world = BotWorld(telegram: telegram, sheets: sheets, spreadsheetID: spreadsheetID, botPort: port,
                                                 adminToken: adminToken, httpClient: httpClient, services: services)
                            do {
                                try await body(world)
                            } catch {
                                await group.triggerGracefulShutdown()
                                throw error
                            }
                            await group.triggerGracefulShutdown()
                            try await tasks.waitForAll()
                        }
                    }
                } catch {
                    try? await httpClient.shutdown()
                    throw error
                }
                try await httpClient.shutdown()
            }
        }
    }
}

/// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
func freeLoopbackPort() throws -> Int {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).wait()
    let port = channel.localAddress?.port ?? 0
    try channel.close().wait()
    return port
}
