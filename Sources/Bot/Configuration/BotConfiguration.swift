import Foundation
import Logging
import MetroSupport

/// Everything the bot is configured with, parsed and validated from the environment
/// (DESIGN.md, "Configuration"). Every variable has its default stated on the property that holds
/// it; `init(environment:)` rejects a bad value with a `ConfigurationError`.
public struct BotConfiguration: Sendable {
    /// The Telegram Bot API.
    public struct Telegram: Sendable {
        /// `TELEGRAM_BOT_TOKEN`, required. Secret: never logged or printed.
        public var token: String
        /// `TELEGRAM_API_BASE_URL`. Defaults to `https://api.telegram.org`.
        public var apiBaseURL: URL
    }

    /// Webhook mode (without `url` the bot polls).
    public struct Webhook: Sendable {
        /// `WEBHOOK_URL`, else `https://RENDER_APP_NAME.onrender.com`, else `nil` (polling).
        public var url: URL?
        /// `WEBHOOK_PATH`. Defaults to `/telegram/webhook`. Never contains the token.
        public var path: String
        /// `WEBHOOK_SECRET`. Defaults to 32 random characters chosen at each start. Secret.
        public var secret: String
        /// Whether `secret` was generated because `WEBHOOK_SECRET` was unset.
        public var secretIsGenerated: Bool
        /// `WEBHOOK_SETUP_ATTEMPTS`. Defaults to 3.
        public var setupAttempts: Int
        /// `WEBHOOK_RETRY_BASE_DELAY`. Defaults to 1 second.
        public var retryBaseDelay: Duration
        /// `WEBHOOK_WATCHDOG_INTERVAL`. Defaults to 60 seconds.
        public var watchdogInterval: Duration
        /// `LEADER_CHECK_INTERVAL`: how often an instance sharing its store with others checks
        /// which of them leads (sets the webhook, watches it, polls). Defaults to 5 seconds.
        public var leaderCheckInterval: Duration = .seconds(5)
    }

    /// The bot's own HTTP server (webhook, health, metrics).
    public struct Server: Sendable {
        /// `HOST`. Defaults to `0.0.0.0`.
        public var host: String
        /// `PORT`. Defaults to 8080; 0 picks a free port.
        public var port: Int
        /// `HTTP_HEAD_TIMEOUT` (10s), `HTTP_BODY_TIMEOUT` (30s), `HTTP_IDLE_TIMEOUT` (75s) and
        /// `HTTP_MAX_CONNECTIONS` (512): see `ServerLimits`.
        public var limits: ServerLimits
    }

    /// What happens to updates that cannot be processed.
    public struct Intake: Sendable {
        /// `POISON_UPDATE_ATTEMPTS`: tries of an update that fails for a transient reason before it
        /// becomes a dead letter. Defaults to 5.
        public var poisonUpdateAttempts: Int
        /// `INTAKE_STALL_AFTER`: how long an update may keep failing before `/health` says the
        /// intake is stuck (`degraded`). Defaults to 2 minutes.
        public var stallAfter: Duration
        /// `UPDATE_RETENTION`: how long dead letters (with their raw updates) are kept. Defaults
        /// to 7 days.
        public var updateRetention: Duration
    }

    /// Google Sheets, where attendance rows go.
    public struct Sheets: Sendable {
        /// `SPREADSHEET_ID`, required.
        public var spreadsheetID: String
        /// `SHEET_NAME`. Defaults to `Attendance`.
        public var sheetName: String
        /// `GOOGLE_APPLICATION_CREDENTIALS`, required: a service-account JSON key file that exists
        /// and parses.
        public var credentialsFile: URL
        /// The key read from `credentialsFile` (its `token_uri` is where access tokens come from).
        public var credentials: ServiceAccountKey
        /// `SHEETS_API_BASE_URL`. Defaults to `https://sheets.googleapis.com`.
        public var apiBaseURL: URL
    }

    /// Work sites.
    public struct Location: Sendable {
        /// `SITES_FILE`. Defaults to the package's `sites.example.json`.
        public var sitesFile: URL
        /// The sites read and validated from `sitesFile`.
        public var sites: [Site]
    }

    /// The durable store.
    public struct Store: Sendable {
        /// `DATABASE_PATH`. Defaults to `data/metropolitan.sqlite` (its directory is created).
        /// Unused when `postgres` is set.
        public var databasePath: String
        /// `DATABASE_URL`: the shared PostgreSQL store, which then replaces the SQLite file.
        /// Defaults to none. Its password is secret.
        public var postgres: PostgresConnectionSettings? = nil
        /// `PENDING_ACTION_TTL`. Defaults to 30 minutes.
        public var pendingActionTTL: Duration
        /// `CLEANUP_INTERVAL`. Defaults to 15 minutes.
        public var cleanupInterval: Duration
    }

    /// Admin endpoints.
    public struct Admin: Sendable {
        /// `ADMIN_TOKEN`. Defaults to `nil`: admin endpoints answer 403. Secret.
        public var token: String?
    }

    /// Timeouts and the shutdown deadline.
    public struct Timing: Sendable {
        /// `HTTP_TIMEOUT`: the deadline of every outbound request. Defaults to 30 seconds.
        public var httpTimeout: Duration
        /// `SHUTDOWN_GRACE`: drain deadline after SIGTERM. Defaults to 25 seconds.
        public var shutdownGrace: Duration
    }

    /// Resource monitoring.
    public struct Resources: Sendable {
        /// `RESOURCE_LOG_INTERVAL`. Defaults to 5 minutes.
        public var logInterval: Duration
        /// `MEMORY_LIMIT_BYTES`. Defaults to `nil`: the cgroup's `memory.max`, else `MemTotal`.
        public var memoryLimitBytes: Int?
        /// `MEMORY_WARN_PERCENT`. Defaults to 80.
        public var memoryWarnPercent: Int
        /// `MEMORY_CRITICAL_PERCENT`. Defaults to 90; greater than the warn percentage.
        public var memoryCriticalPercent: Int
    }

    /// Logs.
    public struct Logs: Sendable {
        /// `LOG_LEVEL`. Defaults to `info`.
        public var level: Logger.Level
        /// `LOG_DIR`. Defaults to `logs`.
        public var directory: String
    }

    public var telegram: Telegram
    public var webhook: Webhook
    public var server: Server
    public var intake: Intake
    public var sheets: Sheets
    public var location: Location
    public var store: Store
    public var admin: Admin
    public var timing: Timing
    public var resources: Resources
    public var logs: Logs
    /// The variables the configuration was read from (for incident bundles, which name the
    /// secret ones without their values).
    public var environment: [String: String]

    /// The values that must never appear in a log line or an error: the bot token, the webhook
    /// secret and the admin token (when set).
    public var secrets: [String] {
        [telegram.token, webhook.secret, admin.token, store.postgres?.password].compactMap { $0 }.filter { !$0.isEmpty }
    }

    /// Parses and validates `environment` (typically `ProcessInfo.processInfo.environment`).
    /// An empty value counts as unset.
    /// - Throws: `ConfigurationError` for the first bad or missing variable, in the order of
    ///   `ConfigurationVariable.all`.
    public init(environment: [String: String]) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment: environment)
        self.environment = environment.filter { name, _ in ConfigurationVariable.all.contains { $0.name == name } }

        let token = try reader.required("TELEGRAM_BOT_TOKEN", secret: true, fix: "set it to the token BotFather gave you (digits:letters)")
        guard token.range(of: #"^[0-9]+:[A-Za-z0-9_-]+$"#, options: .regularExpression) != nil else {
            throw ConfigurationError(variable: "TELEGRAM_BOT_TOKEN", problem: "is not a bot token (its value is not shown)",
                                     fix: "set it to the token BotFather gave you, shaped like 123456:ABC-def_ghi")
        }
        telegram = Telegram(token: token, apiBaseURL: try reader.url("TELEGRAM_API_BASE_URL", default: "https://api.telegram.org"))

        var webhookURL: URL?
        if reader.value("WEBHOOK_URL") != nil {
            webhookURL = try reader.url("WEBHOOK_URL", default: nil, requireHTTPSUnlessLoopback: true)
        } else if let appName = reader.value("RENDER_APP_NAME") {
            guard appName.range(of: #"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"#, options: .regularExpression) != nil else {
                throw ConfigurationError(variable: "RENDER_APP_NAME", problem: "\"\(appName)\" is not a Render service name",
                                         fix: "set it to the service's subdomain (lowercase letters, digits and dashes) or set WEBHOOK_URL")
            }
            webhookURL = URL(string: "https://\(appName).onrender.com")
        }
        let path = reader.value("WEBHOOK_PATH") ?? "/telegram/webhook"
        let tokenSecretPart = String(token.split(separator: ":", maxSplits: 1).last ?? "")
        guard !path.contains(token), tokenSecretPart.isEmpty || !path.contains(tokenSecretPart) else {
            throw ConfigurationError(variable: "WEBHOOK_PATH", problem: "contains the bot token (its value is not shown)",
                                     fix: "choose a path without the token, for example /telegram/webhook; WEBHOOK_SECRET authenticates deliveries")
        }
        guard path.hasPrefix("/"), path.range(of: #"^/[A-Za-z0-9._~/-]*$"#, options: .regularExpression) != nil else {
            throw ConfigurationError(variable: "WEBHOOK_PATH", problem: "\"\(path)\" is not a URL path",
                                     fix: "set it to a path that starts with / and uses letters, digits, -, _, ., ~ and /")
        }
        let secret: String
        let secretIsGenerated: Bool
        if let given = reader.value("WEBHOOK_SECRET") {
            guard (1...256).contains(given.count), given.range(of: #"^[A-Za-z0-9_-]+$"#, options: .regularExpression) != nil else {
                throw ConfigurationError(variable: "WEBHOOK_SECRET", problem: "is not a valid secret token (its value is not shown)",
                                         fix: "use 1 to 256 characters among A-Z, a-z, 0-9, _ and -, or unset it for a random one")
            }
            secret = given
            secretIsGenerated = false
        } else {
            secret = Self.randomSecret()
            secretIsGenerated = true
        }
        let setupAttempts = try reader.integer("WEBHOOK_SETUP_ATTEMPTS", default: 3, in: 1...100)
        let retryBaseDelay = try reader.duration("WEBHOOK_RETRY_BASE_DELAY", default: "1s", allowZero: true)
        let watchdogInterval = try reader.duration("WEBHOOK_WATCHDOG_INTERVAL", default: "60s")
        webhook = Webhook(url: webhookURL, path: path, secret: secret, secretIsGenerated: secretIsGenerated,
                          setupAttempts: setupAttempts, retryBaseDelay: retryBaseDelay, watchdogInterval: watchdogInterval,
                          leaderCheckInterval: try reader.duration("LEADER_CHECK_INTERVAL", default: "5s"))

        let host = reader.value("HOST") ?? "0.0.0.0"
        guard host.range(of: #"^[A-Za-z0-9.:\[\]-]+$"#, options: .regularExpression) != nil else {
            throw ConfigurationError(variable: "HOST", problem: "\"\(host)\" is not a host name or IP address",
                                     fix: "set it to an address such as 0.0.0.0 or 127.0.0.1")
        }
        let port = try reader.integer("PORT", default: 8080, in: 0...65535, fix: "set it to a TCP port number between 0 and 65535 (0 picks a free port)")
        let limits = ServerLimits(
            headTimeout: try reader.duration("HTTP_HEAD_TIMEOUT", default: "10s"),
            bodyTimeout: try reader.duration("HTTP_BODY_TIMEOUT", default: "30s"),
            idleTimeout: try reader.duration("HTTP_IDLE_TIMEOUT", default: "75s"),
            maximumConnections: try reader.integer("HTTP_MAX_CONNECTIONS", default: 512, in: 1...100_000))
        server = Server(host: host, port: port, limits: limits)
        intake = Intake(
            poisonUpdateAttempts: try reader.integer("POISON_UPDATE_ATTEMPTS", default: 5, in: 1...100),
            stallAfter: try reader.duration("INTAKE_STALL_AFTER", default: "2m"),
            updateRetention: try reader.duration("UPDATE_RETENTION", default: "7d"))

        let spreadsheetID = try reader.required("SPREADSHEET_ID", fix: "set it to the ID in the sheet's URL (docs.google.com/spreadsheets/d/<ID>/edit)")
        guard spreadsheetID.range(of: #"^[A-Za-z0-9_-]+$"#, options: .regularExpression) != nil else {
            throw ConfigurationError(variable: "SPREADSHEET_ID", problem: "\"\(spreadsheetID)\" is not a spreadsheet ID",
                                     fix: "use only the ID part of the sheet's URL (letters, digits, _ and -)")
        }
        let sheetName = reader.value("SHEET_NAME") ?? "Attendance"
        guard sheetName.count <= 100, !sheetName.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 32 } == true }),
              !sheetName.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigurationError(variable: "SHEET_NAME", problem: "\"\(sheetName)\" is not a sheet name",
                                     fix: "set it to the tab's name as shown in Google Sheets (1 to 100 printable characters)")
        }
        let credentialsPath = try reader.required("GOOGLE_APPLICATION_CREDENTIALS", fix: "set it to the path of the service account's JSON key file")
        let credentialsFile = URL(fileURLWithPath: credentialsPath)
        let credentials = try Self.loadCredentials(at: credentialsPath)
        sheets = Sheets(spreadsheetID: spreadsheetID, sheetName: sheetName, credentialsFile: credentialsFile, credentials: credentials,
                        apiBaseURL: try reader.url("SHEETS_API_BASE_URL", default: "https://sheets.googleapis.com"))

        let sitesFile = reader.value("SITES_FILE").map { URL(fileURLWithPath: $0) } ?? SitesFile.example
        do {
            location = Location(sitesFile: sitesFile, sites: try SitesFile.load(contentsOf: sitesFile))
        } catch {
            throw ConfigurationError(variable: "SITES_FILE", problem: "\(sitesFile.path) \(error.description)",
                                     fix: "provide a JSON array of {\"name\", \"latitude\", \"longitude\", \"radius_m\"} (see sites.example.json)")
        }

        let databasePath = reader.value("DATABASE_PATH") ?? "data/metropolitan.sqlite"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: databasePath, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ConfigurationError(variable: "DATABASE_PATH", problem: "\"\(databasePath)\" is a directory",
                                     fix: "set it to a file path such as data/metropolitan.sqlite")
        }
        var postgres: PostgresConnectionSettings?
        if let url = reader.value("DATABASE_URL") {
            do {
                postgres = try PostgresConnectionSettings(url: url)
            } catch {
                throw ConfigurationError(variable: "DATABASE_URL", problem: error.problem,
                                         fix: "set it to postgres://USER:PASSWORD@HOST:PORT/DATABASE (optionally ?sslmode=disable), or unset it to use DATABASE_PATH")
            }
        }
        let ttl = try reader.duration("PENDING_ACTION_TTL", default: "30m")
        let cleanupInterval = try reader.duration("CLEANUP_INTERVAL", default: "15m")

        var adminToken: String?
        if let given = reader.value("ADMIN_TOKEN") {
            guard given.count >= 16, !given.contains(where: \.isWhitespace) else {
                throw ConfigurationError(variable: "ADMIN_TOKEN", problem: "is too weak or contains spaces (its value is not shown)",
                                         fix: "use at least 16 characters without spaces, e.g. from `openssl rand -hex 24`, or unset it")
            }
            adminToken = given
        }
        admin = Admin(token: adminToken)
        store = Store(databasePath: databasePath, postgres: postgres, pendingActionTTL: ttl, cleanupInterval: cleanupInterval)
        timing = Timing(httpTimeout: try reader.duration("HTTP_TIMEOUT", default: "30s"),
                        shutdownGrace: try reader.duration("SHUTDOWN_GRACE", default: "25s"))

        let resourceLogInterval = try reader.duration("RESOURCE_LOG_INTERVAL", default: "5m")
        var memoryLimit: Int?
        if reader.value("MEMORY_LIMIT_BYTES") != nil {
            memoryLimit = try reader.integer("MEMORY_LIMIT_BYTES", default: 0, in: 1_048_576...Int.max,
                                             fix: "set it to a number of bytes of at least 1048576 (1 MiB), or unset it to read the cgroup limit")
        }
        let warn = try reader.integer("MEMORY_WARN_PERCENT", default: 80, in: 1...100, fix: "set it to a whole percentage between 1 and 100")
        let critical = try reader.integer("MEMORY_CRITICAL_PERCENT", default: 90, in: 1...100, fix: "set it to a whole percentage between 1 and 100")
        guard warn < critical else {
            throw ConfigurationError(variable: "MEMORY_CRITICAL_PERCENT", problem: "(\(critical)) is not above MEMORY_WARN_PERCENT (\(warn))",
                                     fix: "set it higher than MEMORY_WARN_PERCENT")
        }
        resources = Resources(logInterval: resourceLogInterval, memoryLimitBytes: memoryLimit,
                              memoryWarnPercent: warn, memoryCriticalPercent: critical)

        let levelText = reader.value("LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ConfigurationError(variable: "LOG_LEVEL", problem: "\"\(levelText)\" is not a log level",
                                     fix: "set it to trace, debug, info, notice, warning, error or critical")
        }
        let logDirectory = reader.value("LOG_DIR") ?? "logs"
        if FileManager.default.fileExists(atPath: logDirectory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ConfigurationError(variable: "LOG_DIR", problem: "\"\(logDirectory)\" is a file, not a directory",
                                     fix: "set it to a directory path (it is created when missing)")
        }
        logs = Logs(level: level, directory: logDirectory)
    }

    /// 32 random characters from `A-Za-z0-9`, valid as a Telegram `secret_token`.
    static func randomSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// Loads the service-account key, turning its error into a configuration error.
    static func loadCredentials(at path: String) throws(ConfigurationError) -> ServiceAccountKey {
        do {
            return try ServiceAccountKey.load(contentsOf: path)
        } catch let error as ServiceAccountKeyError {
            throw ConfigurationError(variable: "GOOGLE_APPLICATION_CREDENTIALS", problem: "names an unusable key (\(error.description))",
                                     fix: "point it at the service account's JSON key file")
        } catch {
            throw ConfigurationError(variable: "GOOGLE_APPLICATION_CREDENTIALS", problem: "names an unusable key",
                                     fix: "point it at the service account's JSON key file")
        }
    }
}

/// Reads variables from an environment dictionary, treating empty values as unset, and turns bad
/// values into `ConfigurationError`s.
struct EnvironmentReader {
    var environment: [String: String]

    func value(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    func required(_ name: String, secret: Bool = false, fix: String) throws(ConfigurationError) -> String {
        guard let value = value(name) else {
            throw ConfigurationError(variable: name, problem: "is not set", fix: fix)
        }
        return value
    }

    func url(_ name: String, default defaultValue: String?, requireHTTPSUnlessLoopback: Bool = false) throws(ConfigurationError) -> URL {
        let text = value(name) ?? defaultValue ?? ""
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil else {
            throw ConfigurationError(variable: name, problem: "\"\(text)\" is not an http(s) URL",
                                     fix: "set it to a URL such as \(defaultValue ?? "https://example.com")")
        }
        if requireHTTPSUnlessLoopback, scheme != "https", !["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) {
            throw ConfigurationError(variable: name, problem: "\"\(text)\" is not HTTPS",
                                     fix: "use an https:// URL; Telegram delivers webhooks only over HTTPS")
        }
        return url
    }

    func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>, fix: String? = nil) throws(ConfigurationError) -> Int {
        guard let text = value(name) else { return defaultValue }
        let fixText = fix ?? "set it to a whole number between \(range.lowerBound) and \(range.upperBound)"
        guard let number = Int(text) else {
            throw ConfigurationError(variable: name, problem: "\"\(text)\" is not a whole number", fix: fixText)
        }
        guard range.contains(number) else {
            throw ConfigurationError(variable: name, problem: "\(number) is out of range", fix: fixText)
        }
        return number
    }

    func duration(_ name: String, default defaultValue: String, allowZero: Bool = false) throws(ConfigurationError) -> Duration {
        let text = value(name) ?? defaultValue
        let duration: Duration
        do {
            duration = try DurationText.read(text)
        } catch {
            throw ConfigurationError(variable: name, problem: "\"\(text)\" \(error.description)",
                                     fix: "write a duration such as 250ms, 15s, 30m or 2h (default \(defaultValue))")
        }
        guard allowZero || duration > .zero else {
            throw ConfigurationError(variable: name, problem: "\"\(text)\" is zero",
                                     fix: "use a duration greater than zero, such as \(defaultValue)")
        }
        return duration
    }
}
