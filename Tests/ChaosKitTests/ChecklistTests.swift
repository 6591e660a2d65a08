import _CryptoExtras
import Bot
import ChaosKit
import FakeSheets
import FakeTelegram
import Foundation
import Logging
import MetroSupport
import Testing

/// RSA keys generated once for the whole target (generation is the slow part of a fake Sheets).
/// Generating one holds a thread of the small cooperative pool for seconds, so the online checks
/// keep the default 30 s `HTTP_TIMEOUT` rather than a short one that such a pause could exceed.
enum TestKeys {
    /// The fake Sheets' service account signs with this one.
    static let fake: String = {
        // A failure here means BoringSSL cannot generate RSA keys at all; no test could run.
        try! _RSA.Signing.PrivateKey(keySize: .bits2048).pkcs8PEMRepresentation
    }()
    /// A key the fake never issued: a rotated or foreign key.
    static let other: String = {
        try! _RSA.Signing.PrivateKey(keySize: .bits2048).pkcs8PEMRepresentation
    }()
}

/// A deployment's environment in a directory of its own: the files the bot reads, and every
/// variable a production deployment sets, pointed at `telegram` and `sheets` base URLs.
struct DeploymentFixture: ~Copyable {
    let directory: TemporaryDirectory
    var environment: [String: String]
    static let adminToken = "admin-token-0123456789abcdef"

    /// - Parameters:
    ///   - keyJSON: the service-account key file's content; nil writes one for a fake at an
    ///     unreachable address (enough offline).
    init(token: String = "123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr", telegramBaseURL: String = "http://127.0.0.1:9",
         sheetsBaseURL: String = "http://127.0.0.1:9", spreadsheetID: String = "sheet-id-1", keyJSON: Data? = nil) throws {
        let directory = try TemporaryDirectory()
        let key = try keyJSON ?? JSONSerialization.data(withJSONObject: [
            "type": "service_account", "client_email": "checklist@metro.iam.gserviceaccount.com", "private_key": TestKeys.fake,
            "private_key_id": "k1", "token_uri": "http://127.0.0.1:9/token",
        ])
        let credentials = try directory.write("secrets/service-account.json", String(decoding: key, as: UTF8.self))
        let sites = try directory.write("sites.json", #"[{"name": "Sol", "latitude": 40.4168, "longitude": -3.7038, "radius_m": 300}]"#)
        let environment = [
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_API_BASE_URL": telegramBaseURL,
            "WEBHOOK_URL": "https://metro.example.com",
            "ADMIN_TOKEN": Self.adminToken,
            "SPREADSHEET_ID": spreadsheetID,
            "GOOGLE_APPLICATION_CREDENTIALS": credentials,
            "SHEETS_API_BASE_URL": sheetsBaseURL,
            "SITES_FILE": sites,
            "DATABASE_PATH": directory.path("data/metropolitan.sqlite"),
            "LOG_DIR": directory.path("logs"),
        ]
        // Assigned last: a noncopyable member cannot be initialized on only some paths.
        self.environment = environment
        self.directory = directory
    }

    /// Every text of `items`.
    static func texts(_ items: [ChecklistItem]) -> String {
        items.map { "\($0.claim) \($0.proof) \($0.detail)" }.joined(separator: "\n")
    }
}

/// Both fakes with a registered bot, a spreadsheet with its Attendance sheet and the fake's key.
struct FakeDeployment: Sendable {
    let telegram: FakeTelegram
    let sheets: FakeSheets
    let token: String
    let spreadsheetID: String
    let keyJSON: Data

    static func with(_ body: @Sendable (FakeDeployment) async throws -> Void) async throws {
        var telegramConfiguration = FakeTelegram.Configuration()
        telegramConfiguration.logger.logLevel = .critical
        telegramConfiguration.rateLimitSetWebhook = false // a test sets the webhook twice within a second
        try await FakeTelegram.withRunning(telegramConfiguration) { telegram in
            try await FakeSheets.withRunning(FakeSheets.Configuration(serviceAccountKeyPEM: TestKeys.fake)) { sheets in
                let bot = await telegram.registerBot(username: "metro_checklist_bot")
                let spreadsheetID = try await sheets.createSpreadsheet(sheets: ["Attendance"])
                try await body(FakeDeployment(telegram: telegram, sheets: sheets, token: bot.token, spreadsheetID: spreadsheetID,
                                              keyJSON: await sheets.serviceAccountKeyJSON()))
            }
        }
    }

    func fixture() throws -> DeploymentFixture {
        try DeploymentFixture(token: token, telegramBaseURL: telegram.baseURL, sheetsBaseURL: sheets.baseURL, spreadsheetID: spreadsheetID, keyJSON: keyJSON)
    }
}

@Suite struct OfflineChecklistTests {
    @Test("a production-shaped environment passes every offline item, and no item shows a secret")
    func goodEnvironment() throws {
        let fixture = try DeploymentFixture()
        let (items, configuration) = DeploymentChecks.check(fixture.environment)
        #expect(configuration != nil)
        #expect(items.count >= 6)
        #expect(items.filter { !$0.passed }.isEmpty, "\(items.filter { !$0.passed }.map(\.line))")
        #expect(items.first?.claim == DeploymentChecks.configurationClaim)
        #expect(items.first?.detail.contains("webhook mode") == true)
        let text = DeploymentFixture.texts(items)
        #expect(!text.contains(fixture.environment["TELEGRAM_BOT_TOKEN"]!))
        #expect(!text.contains(DeploymentFixture.adminToken))
    }

    @Test("a bad variable fails the configuration item, naming the variable, in the bot's own words", arguments: [
        ("HTTP_TIMEOUT", "soon"), ("PORT", "70000"), ("WEBHOOK_URL", "http://metro.example.com"), ("MEMORY_CRITICAL_PERCENT", "50"),
        ("TELEGRAM_BOT_TOKEN", "not a token"), ("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json"), ("SPREADSHEET_ID", ""),
        ("ADMIN_TOKEN", "short"),
    ])
    func badVariable(variable: String, value: String) throws {
        var fixture = try DeploymentFixture()
        fixture.environment[variable] = value
        let (items, configuration) = DeploymentChecks.check(fixture.environment)
        #expect(configuration == nil)
        let item = try #require(items.first)
        #expect(items.count == 1)
        #expect(!item.passed)
        #expect(item.claim == DeploymentChecks.configurationClaim)
        #expect(item.detail.hasPrefix("configuration error: \(variable) "), "\(item.detail)")
        if variable == "TELEGRAM_BOT_TOKEN" || variable == "ADMIN_TOKEN" { #expect(!item.detail.contains(value)) }
    }

    @Test("what production needs beyond a valid configuration fails its own item", arguments: [
        (["WEBHOOK_URL": ""], "a webhook URL is configured"),
        (["WEBHOOK_URL": "https://metro.example.com:8080"], "the webhook URL is HTTPS on a port Telegram accepts"),
        (["ADMIN_TOKEN": ""], "ADMIN_TOKEN is set"),
        (["SHUTDOWN_GRACE": "40s"], "SHUTDOWN_GRACE is below the platform's kill deadline"),
        (["DATABASE_PATH": "<directory>/not-a-directory/bot.sqlite"], "the database directory is writable"),
    ])
    func productionItems(changes: [String: String], failing claim: String) async throws {
        var fixture = try DeploymentFixture()
        // A regular file where a directory should be: no directory can be created under it.
        try fixture.directory.write("not-a-directory", "")
        fixture.environment.merge(changes.mapValues { $0.replacingOccurrences(of: "<directory>", with: fixture.directory.url.path) }) { $1 }
        let (items, configuration) = DeploymentChecks.check(fixture.environment)
        #expect(configuration != nil)
        let failed = items.filter { !$0.passed }
        #expect(failed.count == 1, "\(failed.map(\.line))")
        #expect(failed.first?.claim.hasPrefix(claim) == true, "\(failed.map(\.line))")
    }
}

@Suite struct OnlineChecklistTests {
    @Test("--online against the fakes: getMe, getWebhookInfo, the token exchange and spreadsheets.get all pass")
    func goodDeployment() async throws {
        try await FakeDeployment.with { fakes in
            let fixture = try fakes.fixture()
            let configuration = try #require(DeploymentChecks.check(fixture.environment).configuration)
            let items = await DeploymentOnlineChecks.check(configuration)
            #expect(items.map(\.proof) == [
                "getMe at \(fakes.telegram.baseURL)", "getWebhookInfo at \(fakes.telegram.baseURL)",
                "JWT-bearer token exchange at \(fakes.sheets.baseURL)/token", "spreadsheets.get at \(fakes.sheets.baseURL)",
            ])
            #expect(items.filter { !$0.passed }.isEmpty, "\(items.filter { !$0.passed }.map(\.line))")
            #expect(items[0].detail.contains("@metro_checklist_bot"))
            #expect(items[1].detail.contains("no webhook set; the bot sets https://metro.example.com/telegram/webhook"))
            #expect(items[3].detail.contains("sheets: Attendance"))
            let calls = await fakes.sheets.calls().map(\.operation)
            #expect(calls == ["token", "get"], "read-only: one token exchange and one spreadsheets.get")
            #expect(!DeploymentFixture.texts(items).contains(fakes.token))
        }
    }

    @Test("getWebhookInfo: a webhook set elsewhere is reported and passes; a recent delivery error for this URL fails the item")
    func webhookState() async throws {
        try await FakeDeployment.with { fakes in
            var fixture = try fakes.fixture()
            // Nothing listens on this port; the outage below stands for "unreachable".
            fixture.environment["WEBHOOK_URL"] = "http://127.0.0.1:\(try BotEnvironment.freePort())"
            let configuration = try #require(DeploymentChecks.check(fixture.environment).configuration)
            let ours = fixture.environment["WEBHOOK_URL"]! + "/telegram/webhook"
            let botAPI = ControlClient(baseURL: fakes.telegram.baseURL)

            _ = try await botAPI.call("POST", "/bot\(fakes.token)/setWebhook", json: ["url": "https://other.example.com/hook"])
            let elsewhere = try #require(await DeploymentOnlineChecks.check(configuration).first { $0.proof.hasPrefix("getWebhookInfo") })
            #expect(elsewhere.passed, "\(elsewhere.line)")
            #expect(elsewhere.detail.hasPrefix("set to https://other.example.com/hook; this deployment replaces it with \(ours)"), "\(elsewhere.line)")

            _ = try await botAPI.call("POST", "/bot\(fakes.token)/setWebhook", json: ["url": ours])
            // The fake's outage refuses deliveries at once (a refused connection would be retried until its timeout).
            try await fakes.telegram.setWebhookOutage(true)
            let control = TelegramControl(fake: fakes.telegram)
            _ = try await control.sendText(user: ScenarioUser(id: 7), text: "hi")
            // Wait until the fake has recorded the refused delivery.
            func lastError() async throws -> Any? {
                let info = try await botAPI.call("GET", "/bot\(fakes.token)/getWebhookInfo") as? [String: Any]
                return (info?["result"] as? [String: Any])?["last_error_date"]
            }
            while try await lastError() == nil { try await Task.sleep(for: .milliseconds(20)) }
            let failing = try #require(await DeploymentOnlineChecks.check(configuration).first { $0.proof.hasPrefix("getWebhookInfo") })
            #expect(!failing.passed, "\(failing.line)")
            #expect(failing.detail.hasPrefix("set to \(ours), 1 pending update(s), last delivery error"), "\(failing.line)")
            #expect(failing.detail.hasSuffix("Telegram cannot deliver to this URL: check that it is reachable over HTTPS and routes to the bot"), "\(failing.line)")
        }
    }

    /// What breaks the deployment, the item that must fail, and what its detail must say.
    struct Breakage: Sendable, CustomTestStringConvertible {
        var name: String
        var failing: String
        var says: [String]
        var testDescription: String { name }
    }

    @Test("a broken deployment fails exactly the right online item with a useful message", arguments: [
        Breakage(name: "wrong bot token", failing: "getMe", says: ["401", "TELEGRAM_BOT_TOKEN"]),
        Breakage(name: "unknown spreadsheet", failing: "spreadsheets.get", says: ["not found", "SPREADSHEET_ID", "No-Such-Sheet"]),
        Breakage(name: "bad key", failing: "JWT-bearer", says: ["Google refused the service account's token request", "GOOGLE_APPLICATION_CREDENTIALS"]),
        Breakage(name: "missing sheet tab", failing: "spreadsheets.get", says: [#"no sheet named "Payroll""#, "SHEET_NAME", "it has: Attendance"]),
    ])
    func brokenDeployment(_ breakage: Breakage) async throws {
        try await FakeDeployment.with { fakes in
            var fixture = try fakes.fixture()
            let wrongToken = "999999:WrongWrongWrongWrongWrongWrongWrong"
            switch breakage.name {
            case "wrong bot token": fixture.environment["TELEGRAM_BOT_TOKEN"] = wrongToken
            case "unknown spreadsheet": fixture.environment["SPREADSHEET_ID"] = "No-Such-Sheet"
            case "missing sheet tab": fixture.environment["SHEET_NAME"] = "Payroll"
            default:
                var key = try #require(try JSONSerialization.jsonObject(with: fakes.keyJSON) as? [String: Any])
                key["private_key"] = TestKeys.other
                try Data(JSONSerialization.data(withJSONObject: key)).write(to: URL(fileURLWithPath: fixture.environment["GOOGLE_APPLICATION_CREDENTIALS"]!))
            }
            let configuration = try #require(DeploymentChecks.check(fixture.environment).configuration)
            let items = await DeploymentOnlineChecks.check(configuration)
            let failed = items.filter { !$0.passed }
            let broken = try #require(failed.first, "nothing failed: \(items.map(\.line))")
            #expect(broken.proof.hasPrefix(breakage.failing), "\(failed.map(\.line))")
            for phrase in breakage.says { #expect(broken.detail.contains(phrase), "\(broken.line)") }
            switch breakage.name {
            case "wrong bot token":
                // getWebhookInfo uses the same token; Google is unaffected.
                #expect(failed.map { String($0.proof.prefix(14)) } == ["getMe at http:", "getWebhookInfo"])
            case "bad key":
                // Without a token the spreadsheet cannot be read, and says why.
                #expect(failed.count == 2)
                #expect(failed.last?.detail.contains("not checked: no access token") == true)
            default:
                #expect(failed.count == 1, "\(failed.map(\.line))")
            }
            let text = DeploymentFixture.texts(items)
            #expect(!text.contains(wrongToken) && !text.contains(fakes.token))
            for line in TestKeys.other.split(separator: "\n") where line.count > 40 { #expect(!text.contains(line)) }
        }
    }
}

@Suite struct ChecklistCommandTests {
    static let passing = """
        name: queued-without-bot
        description: a message is queued in the fake Telegram
        users: [{id: 9}]
        steps:
          - send: {user: 9, text: hi}
            save_as: greeting
        expect:
          - update: {id: $greeting, state: queued}
        """

    @Test("chaos checklist --online --skip-scenarios passes a good deployment and writes Markdown with the real date and version")
    func onlinePasses() async throws {
        try await FakeDeployment.with { fakes in
            let fixture = try fakes.fixture()
            let report = fixture.directory.path("checklist.md")
            let before = Date()
            let result = try await ChaosBinary.run(["checklist", "--online", "--skip-scenarios", "--report", report], environment: fixture.environment)
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("[x] Telegram accepts the bot token — getMe at \(fakes.telegram.baseURL): @metro_checklist_bot"))
            #expect(result.stdout.contains("[x] the spreadsheet exists"))
            #expect(!result.stdout.contains(fakes.token) && !result.stdout.contains(DeploymentFixture.adminToken))
            let markdown = try String(contentsOfFile: report, encoding: .utf8)
            let day = DateFormatter.utcDay
            #expect(markdown.contains("- date: \(day.string(from: before))") || markdown.contains("- date: \(day.string(from: Date()))"), "\(markdown)")
            #expect(markdown.contains("- version: metro-bot \(BotVersion.current)"))
            #expect(markdown.contains("- [x] the bot accepts this configuration — *BotConfiguration"))
            #expect(markdown.contains("- [x] Google issues an access token for the service account — *JWT-bearer token exchange at \(fakes.sheets.baseURL)/token*"))
            #expect(markdown.contains("not run (--skip-scenarios)"))
            #expect(!markdown.contains(fakes.token))
        }
    }

    @Test("chaos checklist with a bad variable and a scenario directory: exit 1, the variable named, every claim's result in the report")
    func offlineFails() async throws {
        var fixture = try DeploymentFixture()
        fixture.environment["HTTP_TIMEOUT"] = "soon"
        let scenarios = fixture.directory.path("scenarios")
        try fixture.directory.write("scenarios/queued.yaml", Self.passing)
        // Named like a library scenario but excluded by --filter: its claim is reported as not run.
        try fixture.directory.write("scenarios/check-in.yaml", Self.passing.replacingOccurrences(of: "queued-without-bot", with: "polling-check-in"))
        let report = fixture.directory.path("checklist.md")
        let result = try await ChaosBinary.run(["checklist", scenarios, "--filter", "queued-*", "--seed", "3", "--bot", ChaosBinary.buildDirectory.appendingPathComponent("metro-bot").path,
                                          "--report", report], environment: fixture.environment)
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("[ ] the bot accepts this configuration — BotConfiguration (metro-bot's start-up validation): configuration error: HTTP_TIMEOUT \"soon\""))
        #expect(result.stdout.contains("[x] a message is queued in the fake Telegram — scenario queued-without-bot passed"))
        #expect(result.stdout.contains("[ ] a check-in appends exactly one row and confirms it — scenario polling-check-in not run: polling-check-in excluded by --filter"))
        #expect(result.stdout.contains("[ ] Telegram 429 retry_after is honoured — scenario telegram-429 missing"))
        #expect(result.stdout.contains("not ready to deploy"))
        let markdown = try String(contentsOfFile: report, encoding: .utf8)
        #expect(markdown.contains("- seed: `3`"))
        #expect(markdown.contains("- version: metro-bot \(BotVersion.current)"))
        #expect(markdown.contains("- [ ] the bot accepts this configuration"))
        #expect(markdown.contains("HTTP_TIMEOUT"))
        #expect(markdown.contains("- [x] a message is queued in the fake Telegram — *scenario queued-without-bot passed*"))
        #expect(markdown.contains("## Scenario results"))
        #expect(markdown.contains("**1 of 1 passed**"))
        #expect(!markdown.contains(fixture.environment["TELEGRAM_BOT_TOKEN"]!))
    }

    @Test("contradictory or invalid checklist flags are invalid input (exit 2)", arguments: [
        ["--online", "--skip-configuration"], ["--skip-configuration", "--skip-scenarios"], ["--jobs", "0"],
    ])
    func invalidFlags(flags: [String]) async throws {
        let result = try await ChaosBinary.run(["checklist"] + flags)
        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }
}

extension DateFormatter {
    /// `yyyy-MM-dd` in UTC, the day part of the report's ISO 8601 date.
    static var utcDay: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }
}
