import Foundation

/// The environment the runner gives the bot: the fakes' addresses, the workspace's files,
/// shortened timings, then the scenario's own variables on top. Nothing is inherited from the
/// runner's environment except `PATH`, `HOME`, `LANG` and `TMPDIR`, so a developer's real
/// tokens never reach a scenario.
public struct BotEnvironment: Sendable {
    /// The secrets the bot is given, which must never appear in its log.
    public struct Secrets: Sendable {
        /// `TELEGRAM_BOT_TOKEN`.
        public var botToken: String
        /// `WEBHOOK_SECRET`.
        public var webhookSecret: String
        /// `ADMIN_TOKEN`.
        public var adminToken: String
        /// The service account's `private_key` body (one line of it is enough to spot a leak).
        public var privateKeyLines: [String]

        /// The password in `DATABASE_URL`, with the PostgreSQL store. Defaults to none.
        public var databasePassword: String? = nil

        /// Every secret string to look for in logs.
        public var all: [String] { [botToken, webhookSecret, adminToken] + privateKeyLines + (databasePassword.map { [$0] } ?? []) }
    }

    /// Timings shortened so TTLs, backoffs and watchdogs play out within seconds. A scenario's
    /// `bot.env` replaces any of them.
    public static let shortenedTimings: [String: String] = [
        "HTTP_TIMEOUT": "2s",
        "WEBHOOK_SETUP_ATTEMPTS": "3",
        "WEBHOOK_RETRY_BASE_DELAY": "200ms",
        "WEBHOOK_WATCHDOG_INTERVAL": "1s",
        "SHUTDOWN_GRACE": "5s",
        "CLEANUP_INTERVAL": "1s",
        "RESOURCE_LOG_INTERVAL": "1s",
        "PENDING_ACTION_TTL": "30m",
        "LOG_LEVEL": "info",
    ]

    /// The variables.
    public var variables: [String: String]

    /// Builds the environment.
    /// - Parameters:
    ///   - telegramBaseURL: The fake Telegram.
    ///   - sheetsBaseURL: The fake Sheets.
    ///   - spreadsheetID: The spreadsheet the fake created.
    ///   - workspace: Where the shared files (sites, credentials) are.
    ///   - instance: The instance's own files. Defaults to the workspace's default instance.
    ///   - port: The bot's HTTP port on 127.0.0.1.
    ///   - mode: Webhook mode sets `WEBHOOK_URL` to `publicURL`.
    ///   - publicURL: Where Telegram delivers: the round-robin front's URL when several
    ///     instances run. Defaults to `http://127.0.0.1:<port>`, the bot itself.
    ///   - databaseURL: `DATABASE_URL` of a PostgreSQL database, which then replaces
    ///     `DATABASE_PATH`. Defaults to none (the instance's SQLite file).
    ///   - secrets: Token, webhook secret, admin token.
    ///   - memoryLimit: `MEMORY_LIMIT_BYTES`, when a `memory_limit` step set it.
    ///   - overrides: The scenario's `bot.env`, then the step's `env`.
    public init(telegramBaseURL: String, sheetsBaseURL: String, spreadsheetID: String, workspace: ScenarioWorkspace,
                instance: InstanceFiles? = nil, port: Int, mode: BotSettings.Mode, publicURL: String? = nil, databaseURL: String? = nil,
                secrets: Secrets, memoryLimit: Int64?, overrides: [String: String]) {
        let files = instance ?? workspace.defaultInstance
        var env = Self.shortenedTimings
        let inherited = ProcessInfo.processInfo.environment
        for key in ["PATH", "HOME", "LANG", "TMPDIR"] { env[key] = inherited[key] }
        env["TELEGRAM_BOT_TOKEN"] = secrets.botToken
        env["TELEGRAM_API_BASE_URL"] = telegramBaseURL
        env["SHEETS_API_BASE_URL"] = sheetsBaseURL
        env["SPREADSHEET_ID"] = spreadsheetID
        env["SHEET_NAME"] = "Attendance"
        env["GOOGLE_APPLICATION_CREDENTIALS"] = workspace.credentialsFile.path
        env["SITES_FILE"] = workspace.sitesFile.path
        if let databaseURL {
            env["DATABASE_URL"] = databaseURL
        } else {
            env["DATABASE_PATH"] = files.databasePath.path
        }
        env["LOG_DIR"] = files.logDirectory.path
        env["HOST"] = "127.0.0.1"
        env["PORT"] = String(port)
        env["WEBHOOK_SECRET"] = secrets.webhookSecret
        env["ADMIN_TOKEN"] = secrets.adminToken
        if mode == .webhook { env["WEBHOOK_URL"] = publicURL ?? "http://127.0.0.1:\(port)" }
        if let memoryLimit { env["MEMORY_LIMIT_BYTES"] = String(memoryLimit) }
        for (key, value) in overrides { env[key] = value }
        variables = env
    }

    /// A free TCP port on 127.0.0.1, found by binding port 0 and closing the socket.
    public static func freePort() throws -> Int {
        let (fd, port) = try boundLoopbackSocket()
        close(fd)
        return port
    }

    /// A TCP socket bound to a free loopback port (without `SO_REUSEADDR`, not listening), and
    /// the port. While it is open no other socket can bind the port, and connections to it are
    /// refused. The caller closes it.
    static func boundLoopbackSocket() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ControlClient.Failure(description: "cannot open a socket to find a free port: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let problem = errno
            close(fd)
            throw ControlClient.Failure(description: "cannot bind 127.0.0.1:0 to find a free port: errno \(problem)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
