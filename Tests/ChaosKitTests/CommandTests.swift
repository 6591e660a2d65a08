import ChaosKit
import Foundation
import Testing
import MetroSupport

@Suite struct RunCommandTests {
    static let passing = """
        name: pass-without-bot
        description: a message is queued in the fake
        users: [{id: 9}]
        steps:
          - send: {user: 9, text: hi}
            save_as: greeting
        expect:
          - update: {id: $greeting, state: queued}
        """
    static let failing = """
        name: fail-without-bot
        description: nobody confirms the update, so this fails
        users: [{id: 9}]
        steps:
          - send: {user: 9, text: hi}
        expect:
          - updates: {all_confirmed: true}
        """

    @Test("chaos run exits 0 when all pass and writes JUnit, JSON and Markdown")
    func runPasses() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("pass.yaml", Self.passing)
        let result = try await ChaosBinary.run(["run", file, "--seed", "5", "--junit", directory.path("j.xml"), "--json", directory.path("j.json"), "--report", directory.path("r.md")])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("PASS pass-without-bot"))
        let journal = try JSONReport.decode(try Data(contentsOf: URL(fileURLWithPath: directory.path("j.json"))))
        #expect(journal.seed == 5)
        #expect(journal.scenarios.map(\.outcome) == [.passed])
        #expect(try String(contentsOfFile: directory.path("j.xml"), encoding: .utf8).contains(#"<testcase name="pass-without-bot""#))
        #expect(try String(contentsOfFile: directory.path("r.md"), encoding: .utf8).contains("**1 of 1 passed**"))
    }

    @Test("chaos run exits 1 when a scenario fails, printing its seed and how to reproduce; --filter picks scenarios")
    func runFails() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("pass.yaml", Self.passing)
        try directory.write("fail.yaml", Self.failing)
        let result = try await ChaosBinary.run(["run", directory.url.path, "--seed", "77", "--jobs", "2"])
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("FAIL fail-without-bot"))
        #expect(result.stdout.contains("1 of 1 not confirmed"))
        let seed = SeededGenerator.scenarioSeed(runSeed: 77, name: "fail-without-bot")
        #expect(result.stdout.contains("[seed \(seed)]"))
        #expect(result.stdout.contains("reproduce with: chaos run --seed 77"))
        let filtered = try await ChaosBinary.run(["run", directory.url.path, "--filter", "pass-*"])
        #expect(filtered.status == 0, "\(filtered.stdout)\n\(filtered.stderr)")
    }

    @Test("chaos run exits 2 on invalid input", arguments: [
        ["--jobs", "0"], ["--filter", "nothing-matches-this"], ["--bot", "/nonexistent/metro-bot"],
    ])
    func runInvalid(flags: [String]) async throws {
        let directory = try TemporaryDirectory()
        try directory.write("s.yaml", Self.passing.replacingOccurrences(of: "  - send: {user: 9, text: hi}", with: "  - start_bot: {}\n  - send: {user: 9, text: hi}"))
        let result = try await ChaosBinary.run(["run", directory.url.path] + flags)
        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }
}

@Suite struct FakesCommandTests {
    @Test("chaos fakes prints and writes the bot's environment, serves both fakes, logs each request of both on one line, and stops cleanly on SIGINT")
    func fakes() async throws {
        let directory = try TemporaryDirectory()
        let process = Process()
        process.executableURL = ChaosBinary.url
        process.arguments = ["fakes", "--env-file", directory.path("bot.env"), "--credentials-file", directory.path("sa.json")]
        process.environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // The request log goes to standard error; read it as it comes so the pipe never fills.
        let errorData = LockedData()
        Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }.start()
        // Wait for the environment file: the command writes it once both fakes listen.
        var env: [String: String] = [:]
        for _ in 0..<200 where env.count < 5 {
            if let text = try? String(contentsOfFile: directory.path("bot.env"), encoding: .utf8), text.hasSuffix("\n") {
                env = Dictionary(text.split(separator: "\n").map { line in
                    let parts = line.split(separator: "=", maxSplits: 1)
                    return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
                }) { $1 }
            }
            if env.count < 5 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(Set(env.keys) == ["TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "SHEETS_API_BASE_URL", "SPREADSHEET_ID", "GOOGLE_APPLICATION_CREDENTIALS"])
        let credentialsPath = try #require(env["GOOGLE_APPLICATION_CREDENTIALS"])
        let telegramURL = try #require(env["TELEGRAM_API_BASE_URL"])
        let token = try #require(env["TELEGRAM_BOT_TOKEN"])
        let sheetsURL = try #require(env["SHEETS_API_BASE_URL"])
        let spreadsheetID = try #require(env["SPREADSHEET_ID"])
        let keyObject = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: credentialsPath)))
        let key = try #require(keyObject as? [String: Any])
        #expect(key["type"] as? String == "service_account")
        // The fake Telegram answers getMe for the registered token; the Sheets spreadsheet exists.
        let getMe = try await ControlClient(baseURL: telegramURL).send("GET", "/bot\(token)/getMe")
        #expect(getMe.status == 200)
        #expect(getMe.text.contains(#""ok":true"#))
        let rows = try await ControlClient(baseURL: sheetsURL).call("GET", "/control/spreadsheets/\(spreadsheetID)/sheets/Attendance/rows")
        #expect((rows as? [Any])?.isEmpty == true)
        // Two Sheets requests the fake refuses: no credentials (403), a token request without a grant (400).
        let sheetsClient = ControlClient(baseURL: sheetsURL)
        #expect(try await sheetsClient.send("GET", "/v4/spreadsheets/\(spreadsheetID)").status == 403)
        #expect(try await sheetsClient.send("POST", "/token", body: Data("grant_type=password".utf8),
                                            headers: [("Content-Type", "application/x-www-form-urlencoded")]).status == 400)

        kill(process.processIdentifier, SIGINT)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(text.contains("TELEGRAM_BOT_TOKEN="))
        #expect(text.contains("stopping"))
        while !errorData.isSet { try await Task.sleep(for: .milliseconds(10)) }
        let log = String(decoding: errorData.value, as: UTF8.self).split(separator: "\n").map(String.init)
        let botID = token.split(separator: ":")[0]
        #expect(log.contains { $0.contains("/bot<\(botID)>/getMe 200") }, "\(log)")
        #expect(log.contains { $0.contains("GET /v4/spreadsheets/\(spreadsheetID) 403 (get)") }, "\(log)")
        #expect(log.contains { $0.contains("POST /token 400 (token)") }, "\(log)")
        #expect(!log.contains { $0.contains(token) }, "the bot token must not be logged")
    }
}

@Suite struct ProbeTests {
    @Test("health answers are read into readings", arguments: [
        (200, #"{"status":"ok","mode":"webhook","memory":{"percent":41.5},"telegram":{"last_error":null}}"#, "ok", "webhook", false),
        (200, #"{"status":"degraded","mode":"polling","telegram":{"last_error":"Connection refused"}}"#, "degraded", "polling", false),
        (503, #"{"status":"ok","mode":"stopping"}"#, "unhealthy", "stopping", true),
        (502, "<html>bad gateway</html>", "unhealthy", nil, true),
    ] as [(Int, String, String, String?, Bool)])
    func readings(status: Int, body: String, expected: String, mode: String?, bad: Bool) {
        let reading = HealthProbe.Reading.from(httpStatus: status, body: Data(body.utf8))
        #expect(reading.status == expected)
        #expect(reading.mode == mode)
        #expect(reading.isBad == bad)
    }

    @Test("a bot that cannot be reached fails the probe once the allowance has passed")
    func unreachable() async throws {
        var options = HealthProbe.Options(url: "http://127.0.0.1:\(try BotEnvironment.freePort())")
        options.interval = .milliseconds(50)
        options.duration = .seconds(30)
        options.unhealthyFor = .milliseconds(200)
        let lines = LinesBox()
        let code = await HealthProbe(options: options).run { lines.append($0) }
        #expect(code == .failed)
        #expect(lines.all.contains { $0.contains("status unreachable") })
        #expect(lines.all.last?.contains("unreachable for more than 200ms") == true)
    }
}
