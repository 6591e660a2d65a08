import _CryptoExtras
import Bot
import Foundation
import Logging
import Testing

/// A valid environment in a temporary directory: the required variables plus a credentials file
/// and a sites file.
struct ConfigurationFixture {
    static let token = "123456:AAE-secret_TokenValue0123456789"

    /// A service-account key with a real RSA key, generated once per test process.
    static let credentialsJSON: String = {
        let pem = try! _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
        let object: [String: String] = [
            "type": "service_account", "client_email": "bot@example.iam.gserviceaccount.com",
            "private_key": pem, "private_key_id": "k1", "token_uri": "http://127.0.0.1:9/token",
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }()
    var directory: URL
    var environment: [String: String]

    init(directory: URL) throws {
        self.directory = directory
        let credentials = try directory.writing(Self.credentialsJSON, to: "credentials.json")
        let sites = try directory.writing(#"[{"name": "Depot", "latitude": 1, "longitude": 2, "radius_m": 50}]"#, to: "sites.json")
        environment = [
            "TELEGRAM_BOT_TOKEN": Self.token,
            "SPREADSHEET_ID": "sheet-123_abc",
            "GOOGLE_APPLICATION_CREDENTIALS": credentials.path,
            "SITES_FILE": sites.path,
        ]
    }

    func parse(_ changes: [String: String?]) throws -> BotConfiguration {
        var environment = environment
        for (key, value) in changes { environment[key] = value }
        return try BotConfiguration(environment: environment)
    }
}

@Suite struct ConfigurationTests {
    @Test("the required variables alone give every documented default")
    func defaults() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = try ConfigurationFixture(directory: directory).parse([:])
            #expect(configuration.telegram.token == ConfigurationFixture.token)
            #expect(configuration.telegram.apiBaseURL.absoluteString == "https://api.telegram.org")
            #expect(configuration.webhook.url == nil)
            #expect(configuration.webhook.path == "/telegram/webhook")
            #expect(configuration.webhook.secretIsGenerated)
            #expect(configuration.webhook.secret.count == 32)
            #expect(configuration.webhook.setupAttempts == 3)
            #expect(configuration.webhook.retryBaseDelay == .seconds(1))
            #expect(configuration.webhook.watchdogInterval == .seconds(60))
            #expect(configuration.server.host == "0.0.0.0")
            #expect(configuration.server.port == 8080)
            #expect(configuration.sheets.spreadsheetID == "sheet-123_abc")
            #expect(configuration.sheets.sheetName == "Attendance")
            #expect(configuration.sheets.apiBaseURL.absoluteString == "https://sheets.googleapis.com")
            #expect(configuration.location.sites.map(\.name) == ["Depot"])
            #expect(configuration.store.databasePath == "data/metropolitan.sqlite")
            #expect(configuration.store.pendingActionTTL == .seconds(1_800))
            #expect(configuration.store.cleanupInterval == .seconds(900))
            #expect(configuration.admin.token == nil)
            #expect(configuration.timing.httpTimeout == .seconds(30))
            #expect(configuration.timing.shutdownGrace == .seconds(25))
            #expect(configuration.resources.logInterval == .seconds(300))
            #expect(configuration.resources.memoryLimitBytes == nil)
            #expect(configuration.resources.memoryWarnPercent == 80)
            #expect(configuration.resources.memoryCriticalPercent == 90)
            #expect(configuration.logs.level == .info)
            #expect(configuration.logs.directory == "logs")
        }
    }

    @Test("without SITES_FILE the shipped example sites are used")
    func defaultSites() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = try ConfigurationFixture(directory: directory).parse(["SITES_FILE": nil])
            #expect(configuration.location.sites.count == 3)
            #expect(configuration.location.sitesFile.lastPathComponent == "sites.example.json")
        }
    }

    @Test("two starts without WEBHOOK_SECRET get different random secrets")
    func randomSecret() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try ConfigurationFixture(directory: directory)
            #expect(try fixture.parse([:]).webhook.secret != fixture.parse([:]).webhook.secret)
        }
    }

    @Test("WEBHOOK_URL comes from RENDER_APP_NAME unless set")
    func webhookURLFromRender() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try ConfigurationFixture(directory: directory)
            #expect(try fixture.parse(["RENDER_APP_NAME": "metro-bot"]).webhook.url?.absoluteString == "https://metro-bot.onrender.com")
            #expect(try fixture.parse(["RENDER_APP_NAME": "metro-bot", "WEBHOOK_URL": "https://bot.example.com"]).webhook.url?.absoluteString == "https://bot.example.com")
        }
    }

    /// A good value for each variable and what it must parse to.
    static let goodValues: [(String, String, @Sendable (BotConfiguration) -> Bool)] = [
        ("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081", { $0.telegram.apiBaseURL.absoluteString == "http://127.0.0.1:8081" }),
        ("WEBHOOK_URL", "http://127.0.0.1:9000", { $0.webhook.url?.port == 9000 }),
        ("WEBHOOK_PATH", "/hooks/tg-1", { $0.webhook.path == "/hooks/tg-1" }),
        ("WEBHOOK_SECRET", "s3cret_-X", { $0.webhook.secret == "s3cret_-X" && !$0.webhook.secretIsGenerated }),
        ("HOST", "127.0.0.1", { $0.server.host == "127.0.0.1" }),
        ("PORT", "0", { $0.server.port == 0 }),
        ("SHEET_NAME", "Fichajes 2026", { $0.sheets.sheetName == "Fichajes 2026" }),
        ("SHEETS_API_BASE_URL", "http://localhost:9999", { $0.sheets.apiBaseURL.port == 9999 }),
        ("DATABASE_PATH", "/tmp/x/metro.sqlite", { $0.store.databasePath == "/tmp/x/metro.sqlite" && $0.store.postgres == nil }),
        ("DATABASE_URL", "postgres://bot:p%40ss@db.internal:6543/metro?sslmode=disable", {
            $0.store.postgres == PostgresConnectionSettings(host: "db.internal", port: 6543, username: "bot", password: "p@ss",
                                                            database: "metro", tls: .disable)
                && $0.secrets.contains("p@ss")
        }),
        ("DATABASE_URL", "postgresql://bot@127.0.0.1/metro", {
            $0.store.postgres == PostgresConnectionSettings(host: "127.0.0.1", port: 5432, username: "bot", password: nil,
                                                            database: "metro", tls: .prefer)
        }),
        ("ADMIN_TOKEN", "0123456789abcdef", { $0.admin.token == "0123456789abcdef" }),
        ("PENDING_ACTION_TTL", "250ms", { $0.store.pendingActionTTL == .milliseconds(250) }),
        ("CLEANUP_INTERVAL", "2h", { $0.store.cleanupInterval == .seconds(7_200) }),
        ("WEBHOOK_SETUP_ATTEMPTS", "5", { $0.webhook.setupAttempts == 5 }),
        ("WEBHOOK_RETRY_BASE_DELAY", "0ms", { $0.webhook.retryBaseDelay == .zero }),
        ("HTTP_TIMEOUT", "2s", { $0.timing.httpTimeout == .seconds(2) }),
        ("WEBHOOK_WATCHDOG_INTERVAL", "5s", { $0.webhook.watchdogInterval == .seconds(5) }),
        ("SHUTDOWN_GRACE", "5s", { $0.timing.shutdownGrace == .seconds(5) }),
        ("RESOURCE_LOG_INTERVAL", "1m", { $0.resources.logInterval == .seconds(60) }),
        ("MEMORY_LIMIT_BYTES", "536870912", { $0.resources.memoryLimitBytes == 536_870_912 }),
        ("MEMORY_WARN_PERCENT", "70", { $0.resources.memoryWarnPercent == 70 }),
        ("MEMORY_CRITICAL_PERCENT", "95", { $0.resources.memoryCriticalPercent == 95 }),
        ("LOG_LEVEL", "DEBUG", { $0.logs.level == .debug }),
        ("LOG_DIR", "/tmp/metro-logs", { $0.logs.directory == "/tmp/metro-logs" }),
        ("RENDER_APP_NAME", "my-app-2", { $0.webhook.url?.host == "my-app-2.onrender.com" }),
    ]

    @Test("each variable accepts a good value", arguments: 0..<goodValues.count)
    func acceptsGoodValue(index: Int) async throws {
        let (variable, value, check) = Self.goodValues[index]
        try await withTemporaryDirectory { directory in
            let configuration = try ConfigurationFixture(directory: directory).parse([variable: value])
            #expect(check(configuration), "\(variable)=\(value)")
        }
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var variable: String
        var value: String?
        var mentions: String
        var testDescription: String { "\(variable)=\(value ?? "<unset>")" }
    }

    static let badValues: [Bad] = [
        Bad(variable: "TELEGRAM_BOT_TOKEN", value: nil, mentions: "is not set"),
        Bad(variable: "TELEGRAM_BOT_TOKEN", value: "not a token", mentions: "is not a bot token"),
        Bad(variable: "TELEGRAM_API_BASE_URL", value: "ftp://example.com", mentions: "is not an http(s) URL"),
        Bad(variable: "TELEGRAM_API_BASE_URL", value: "api.telegram.org", mentions: "is not an http(s) URL"),
        Bad(variable: "WEBHOOK_URL", value: "http://bot.example.com", mentions: "is not HTTPS"),
        Bad(variable: "WEBHOOK_URL", value: "https://", mentions: "is not an http(s) URL"),
        Bad(variable: "RENDER_APP_NAME", value: "My App", mentions: "is not a Render service name"),
        Bad(variable: "WEBHOOK_PATH", value: "telegram", mentions: "is not a URL path"),
        Bad(variable: "WEBHOOK_PATH", value: "/bot/\(ConfigurationFixture.token)", mentions: "contains the bot token"),
        Bad(variable: "WEBHOOK_PATH", value: "/hook/AAE-secret_TokenValue0123456789", mentions: "contains the bot token"),
        Bad(variable: "WEBHOOK_SECRET", value: "has spaces in it", mentions: "is not a valid secret token"),
        Bad(variable: "HOST", value: "bad host!", mentions: "is not a host name"),
        Bad(variable: "PORT", value: "http", mentions: "is not a whole number"),
        Bad(variable: "PORT", value: "70000", mentions: "is out of range"),
        Bad(variable: "SPREADSHEET_ID", value: nil, mentions: "is not set"),
        Bad(variable: "SPREADSHEET_ID", value: "a/b", mentions: "is not a spreadsheet ID"),
        Bad(variable: "SHEET_NAME", value: String(repeating: "x", count: 101), mentions: "is not a sheet name"),
        Bad(variable: "GOOGLE_APPLICATION_CREDENTIALS", value: nil, mentions: "is not set"),
        Bad(variable: "GOOGLE_APPLICATION_CREDENTIALS", value: "/nonexistent/key.json", mentions: "does not exist"),
        Bad(variable: "GOOGLE_APPLICATION_CREDENTIALS", value: "<sites>", mentions: "is not a JSON object"),
        Bad(variable: "SHEETS_API_BASE_URL", value: "localhost", mentions: "is not an http(s) URL"),
        Bad(variable: "SITES_FILE", value: "/nonexistent/sites.json", mentions: "cannot be read"),
        Bad(variable: "DATABASE_PATH", value: "/tmp", mentions: "is a directory"),
        Bad(variable: "DATABASE_URL", value: "mysql://bot:Xyzzy@db/metro", mentions: "does not start with postgres://"),
        Bad(variable: "DATABASE_URL", value: "postgres://bot:Xyzzy@db/", mentions: "names no database"),
        Bad(variable: "DATABASE_URL", value: "postgres://:Xyzzy@db/metro", mentions: "names no user"),
        Bad(variable: "DATABASE_URL", value: "postgres://bot:Xyzzy@db/metro?sslmode=maybe", mentions: "sslmode=maybe"),
        Bad(variable: "DATABASE_URL", value: "postgres://bot:Xyzzy@db/metro?pool=5", mentions: "\"pool\""),
        Bad(variable: "ADMIN_TOKEN", value: "short", mentions: "too weak"),
        Bad(variable: "PENDING_ACTION_TTL", value: "30", mentions: "has no unit"),
        Bad(variable: "PENDING_ACTION_TTL", value: "0s", mentions: "is zero"),
        Bad(variable: "CLEANUP_INTERVAL", value: "soon", mentions: "does not start with a number"),
        Bad(variable: "WEBHOOK_SETUP_ATTEMPTS", value: "0", mentions: "is out of range"),
        Bad(variable: "WEBHOOK_RETRY_BASE_DELAY", value: "1x", mentions: "unknown unit"),
        Bad(variable: "HTTP_TIMEOUT", value: "0ms", mentions: "is zero"),
        Bad(variable: "WEBHOOK_WATCHDOG_INTERVAL", value: "1w", mentions: "unknown unit"),
        Bad(variable: "POISON_UPDATE_ATTEMPTS", value: "0", mentions: "out of range"),
        Bad(variable: "INTAKE_STALL_AFTER", value: "soon", mentions: "does not start with a number"),
        Bad(variable: "UPDATE_RETENTION", value: "0s", mentions: "is zero"),
        Bad(variable: "HTTP_HEAD_TIMEOUT", value: "10", mentions: "has no unit"),
        Bad(variable: "HTTP_MAX_CONNECTIONS", value: "many", mentions: "not a whole number"),
        Bad(variable: "SHUTDOWN_GRACE", value: "-1s", mentions: "does not start with a number"),
        Bad(variable: "RESOURCE_LOG_INTERVAL", value: "5", mentions: "has no unit"),
        Bad(variable: "MEMORY_LIMIT_BYTES", value: "1GB", mentions: "is not a whole number"),
        Bad(variable: "MEMORY_LIMIT_BYTES", value: "1024", mentions: "is out of range"),
        Bad(variable: "MEMORY_WARN_PERCENT", value: "101", mentions: "is out of range"),
        Bad(variable: "MEMORY_CRITICAL_PERCENT", value: "75", mentions: "is not above MEMORY_WARN_PERCENT"),
        Bad(variable: "LOG_LEVEL", value: "verbose", mentions: "is not a log level"),
        Bad(variable: "LOG_DIR", value: "<credentials>", mentions: "is a file"),
    ]

    @Test("each variable rejects a bad value with one line naming it and the fix", arguments: badValues)
    func rejectsBadValue(_ bad: Bad) async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try ConfigurationFixture(directory: directory)
            let value = switch bad.value {
            case "<credentials>": fixture.environment["GOOGLE_APPLICATION_CREDENTIALS"]
            case "<sites>": fixture.environment["SITES_FILE"]
            default: bad.value
            }
            let error = try #require(throws: ConfigurationError.self) { try fixture.parse([bad.variable: value]) }
            #expect(error.variable == bad.variable)
            #expect(error.description.contains(bad.mentions), "\(error)")
            #expect(error.description.hasPrefix("configuration error: \(bad.variable) "))
            #expect(!error.fix.isEmpty)
            #expect(!error.description.contains("\n"))
            #expect(!error.description.contains("secret_TokenValue"), "the token must never be echoed")
        }
    }

    @Test("secret values are never echoed in errors")
    func secretsNotEchoed() async throws {
        try await withTemporaryDirectory { directory in
            let fixture = try ConfigurationFixture(directory: directory)
            for (variable, value) in [("TELEGRAM_BOT_TOKEN", "Xyzzy plugh"), ("WEBHOOK_SECRET", "Xyzzy plugh!"), ("ADMIN_TOKEN", "Xyzzyplugh"),
                                      ("DATABASE_URL", "postgres://bot:Xyzzy@db:99999/metro"), ("DATABASE_URL", "postgres://bot:Xyzzy@/metro"),
                                      ("DATABASE_URL", "postgres://bot:Xyzzy#@db/metro"), ("DATABASE_URL", "redis://bot:Xyzzy@db/0"),
                                      ("DATABASE_URL", "postgres://bot:Xyzzy@db/a/b")] {
                let error = try #require(throws: ConfigurationError.self) { try fixture.parse([variable: value]) }
                #expect(!error.description.contains("Xyzzy"), "\(variable): \(error)")
            }
        }
    }

    @Test("--help lists every variable with its default")
    func helpListsVariables() {
        let help = ConfigurationVariable.helpText
        for variable in ConfigurationVariable.all {
            #expect(help.contains("\(variable.name) "))
            #expect(help.contains("[\(variable.defaultValue)]"))
        }
        #expect(ConfigurationVariable.all.count == 37)
    }
}
