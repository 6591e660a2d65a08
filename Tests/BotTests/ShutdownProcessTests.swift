import AsyncHTTPClient
import FakeSheets
import FakeTelegram
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
import MetroSupport
#endif

/// The real `metro-bot` executable as a child process, its output in a log file (shared by the
/// process tests: signals here, hostile input in `WebhookFuzzTests`).
final class BotProcess: @unchecked Sendable {
    static let binary: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("metro-bot").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("metro-bot")
    }()

    let process = Process()
    let output: URL

    init(environment: [String: String], output: URL) throws {
        self.output = output
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.executableURL = Self.binary
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the exit, at most `limit` (then kills it and records an issue).
    func waitForExit(limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("metro-bot did not exit within \(limit)")
            return nil
        }
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Both fakes and the environment that points a real metro-bot at them.
struct ProcessWorld: Sendable {
    let telegram: FakeTelegram
    let sheets: FakeSheets
    let spreadsheetID: String
    let environment: [String: String]
    let directory: URL
    let port: Int
    let httpClient: HTTPClient

    func mode() async -> String? {
        guard let response = try? await httpClient.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(2)),
              let body = try? await response.body.collect(upTo: 1 << 20),
              let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else { return nil }
        return json["mode"] as? String
    }

    /// `/health`'s `outbox.queued`, or nil while the bot does not answer.
    func queuedRows() async -> Int? {
        guard let response = try? await httpClient.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(2)),
              let body = try? await response.body.collect(upTo: 1 << 20),
              let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else { return nil }
        return (json["outbox"] as? [String: Any])?["queued"] as? Int
    }

    func rows(user: Int64) async throws -> [[String]] {
        try await sheets.rows(spreadsheetID: spreadsheetID, sheet: "Attendance").filter { $0.count > 1 && $0[1] == String(user) }
    }

    func start(_ name: String) throws -> BotProcess {
        try BotProcess(environment: environment, output: directory.appendingPathComponent("\(name).log"))
    }

    /// - Parameter extra: variables added to, or replacing, the defaults (`HTTP_TIMEOUT` 10 s).
    static func with(environment extra: [String: String] = [:], _ body: @Sendable (ProcessWorld) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let environment = ["PATH": "/usr/bin:/bin", "HTTP_TIMEOUT": "10s"].merging(extra) { _, new in new }
            try await FakesForBot.with(in: directory, environment: environment) { fakes in
                let telegram = fakes.telegram, sheets = fakes.sheets, spreadsheetID = fakes.spreadsheetID
                let port = fakes.port, environment = fakes.environment
                let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
                let world = ProcessWorld(telegram: telegram, sheets: sheets, spreadsheetID: spreadsheetID, environment: environment,
                                         directory: directory, port: port, httpClient: httpClient)
                do {
                    try await body(world)
                } catch {
                    try? await httpClient.shutdown()
                    throw error
                }
                try await httpClient.shutdown()
            }
        }
    }
}

/// One slow append (held by the fake Sheets for `delay`) for a check-in of `user`, in flight.
private func checkInWithSlowAppend(_ world: ProcessWorld, user: Int64, delay: Duration) async throws -> Int64 {
    _ = try await world.sheets.addFault(SheetsFaultRule(operation: .append, delay: delay, times: 1))
    try await world.telegram.sendUserMessage(userID: user, text: "/checkin", firstName: "Ana")
    try await eventually("asked for the location") { try await world.telegram.chatMessages(chatID: user).count == 1 }
    let location = try await world.telegram.sendLocation(userID: user, latitude: 40.4168, longitude: -3.7038)
    await eventually("the append is held by the fake") { await !world.sheets.heldRequests().isEmpty }
    return location.updateID
}

@Suite("metro-bot process: signals", .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: BotProcess.binary.path)))
struct ShutdownProcessTests {
    @Test("SIGTERM while a check-in waits on a slow append: it completes, the user is told, exit 0")
    func sigtermMidAppend() async throws {
        try await ProcessWorld.with { world in
            let bot = try world.start("bot")
            await eventually("webhook mode") { await world.mode() == "webhook" }
            let updateID = try await checkInWithSlowAppend(world, user: 1001, delay: .seconds(2))

            bot.signal(SIGTERM)
            let status = await bot.waitForExit(limit: .seconds(15))
            #expect(status == 0, "\(bot.log)")
            #expect(try await world.rows(user: 1001).count == 1)
            let texts = try await world.telegram.chatMessages(chatID: 1001).map(\.text)
            #expect(texts.contains { $0.hasPrefix("Checked in at Madrid HQ") }, "\(texts)")
            let update = try await world.telegram.updateState(updateID: updateID)
            let methods = try await world.telegram.calls().map(\.method).filter { $0 != "getWebhookInfo" }
            #expect(update?.state == .confirmed, "\(String(describing: update)); calls \(methods)\n\(bot.log)")
            #expect(bot.log.contains("mode=stopping"))
        }
    }

    @Test("a second SIGTERM exits at once; the acknowledged check-in is in the store and lands once after a restart")
    func secondSignal() async throws {
        try await ProcessWorld.with { world in
            let first = try world.start("first")
            await eventually("webhook mode") { await world.mode() == "webhook" }
            _ = try await checkInWithSlowAppend(world, user: 1002, delay: .seconds(1))

            first.signal(SIGTERM)
            await eventually("stopping") { first.log.contains("mode=stopping") }
            first.signal(SIGTERM)
            let status = await first.waitForExit(limit: .seconds(3))
            #expect(status == 128 + SIGTERM, "\(first.log)")
            #expect(first.log.contains("second signal"))

            // The killed process's append was already sent: let the fake finish it, then restart.
            await eventually("the held append finished") { await world.sheets.heldRequests().isEmpty }
            let second = try world.start("second")
            await eventually("the restarted bot is up") { await world.mode() == "webhook" }
            try await eventually("the confirmation is sent after the restart") {
                try await world.telegram.chatMessages(chatID: 1002).contains { $0.text.hasPrefix("Checked in") }
            }
            #expect(try await world.rows(user: 1002).count == 1, "the row that landed before the restart is not appended again")
            second.signal(SIGTERM)
            #expect(await second.waitForExit(limit: .seconds(15)) == 0)
        }
    }

    @Test("SIGKILL while an append is held, restarted at once: the new process waits for that append to settle and the row lands once")
    func sigkillMidAppend() async throws {
        // HTTP_TIMEOUT 1 s: the settle delay is 3 s after the attempt; Sheets commits the held append after 2 s.
        try await ProcessWorld.with(environment: ["HTTP_TIMEOUT": "1s"]) { world in
            let first = try world.start("first")
            await eventually("webhook mode") { await world.mode() == "webhook" }
            let updateID = try await checkInWithSlowAppend(world, user: 1003, delay: .seconds(2))
            first.signal(SIGKILL)
            _ = await first.waitForExit(limit: .seconds(5))

            let second = try world.start("second")
            await eventually("the restarted bot is up") { await world.mode() == "webhook" }
            await eventually("the held append finished") { await world.sheets.heldRequests().isEmpty }
            await eventually("the outbox empty") { await world.queuedRows() == 0 }
            #expect(try await world.rows(user: 1003).count == 1, "\(second.log)")
            let appends = await world.sheets.calls().filter { $0.operation == "append" }
            #expect(appends.map(\.status) == [200], "only the killed process's append, which Sheets committed")
            #expect(second.log.contains("waiting for an earlier append to settle"), "\(second.log)")
            #expect(try await world.telegram.updateState(updateID: updateID)?.state == .confirmed)
            second.signal(SIGTERM)
            #expect(await second.waitForExit(limit: .seconds(15)) == 0, "\(second.log)")
        }
    }
}
