/// One environment variable the bot reads, as listed by `metro-bot --help`.
public struct ConfigurationVariable: Sendable, Equatable {
    /// The variable's name, for example `PORT`.
    public var name: String
    /// Its default, or a phrase such as `required` or `random per start`.
    public var defaultValue: String
    /// What it sets.
    public var meaning: String

    /// Every variable of DESIGN.md's table, in the order of that table.
    public static let all: [ConfigurationVariable] = [
        .init(name: "TELEGRAM_BOT_TOKEN", defaultValue: "required", meaning: "the bot's token from BotFather (secret)"),
        .init(name: "TELEGRAM_API_BASE_URL", defaultValue: "https://api.telegram.org", meaning: "Bot API base URL; a fake points here"),
        .init(name: "RENDER_APP_NAME", defaultValue: "none", meaning: "when set and WEBHOOK_URL is not, WEBHOOK_URL is https://NAME.onrender.com"),
        .init(name: "WEBHOOK_URL", defaultValue: "from RENDER_APP_NAME, else none", meaning: "public base URL for webhook mode; none means polling"),
        .init(name: "WEBHOOK_PATH", defaultValue: "/telegram/webhook", meaning: "path of the webhook route; never contains the token"),
        .init(name: "WEBHOOK_SECRET", defaultValue: "random per start", meaning: "secret_token Telegram sends with every delivery (secret)"),
        .init(name: "HOST", defaultValue: "0.0.0.0", meaning: "address the HTTP server binds"),
        .init(name: "PORT", defaultValue: "8080", meaning: "port the HTTP server binds (0 = any free port)"),
        .init(name: "HTTP_HEAD_TIMEOUT", defaultValue: "10s", meaning: "a new connection's request head must arrive within this"),
        .init(name: "HTTP_BODY_TIMEOUT", defaultValue: "30s", meaning: "a request body must arrive within this after its head"),
        .init(name: "HTTP_IDLE_TIMEOUT", defaultValue: "75s", meaning: "a kept-alive connection with no request is closed after this"),
        .init(name: "HTTP_MAX_CONNECTIONS", defaultValue: "512", meaning: "connections open at once; more are closed on arrival"),
        .init(name: "SPREADSHEET_ID", defaultValue: "required", meaning: "the Google Sheet rows are appended to"),
        .init(name: "SHEET_NAME", defaultValue: "Attendance", meaning: "the sheet (tab) inside the spreadsheet"),
        .init(name: "GOOGLE_APPLICATION_CREDENTIALS", defaultValue: "required", meaning: "service-account JSON key file; its token_uri is used"),
        .init(name: "SHEETS_API_BASE_URL", defaultValue: "https://sheets.googleapis.com", meaning: "Sheets API base URL; a fake points here"),
        .init(name: "SITES_FILE", defaultValue: "the shipped sites.example.json", meaning: "JSON array of {name, latitude, longitude, radius_m}"),
        .init(name: "DATABASE_PATH", defaultValue: "data/metropolitan.sqlite", meaning: "SQLite file of the durable store (directory created)"),
        .init(name: "DATABASE_URL", defaultValue: "none", meaning: "postgres://user:password@host:port/db[?sslmode=disable]: the shared PostgreSQL store, for several instances (password secret)"),
        .init(name: "POISON_UPDATE_ATTEMPTS", defaultValue: "5", meaning: "tries of an update failing for a transient reason before it is a dead letter"),
        .init(name: "INTAKE_STALL_AFTER", defaultValue: "2m", meaning: "an update failing this long makes /health degraded"),
        .init(name: "UPDATE_RETENTION", defaultValue: "7d", meaning: "how long dead letters and their raw updates are kept"),
        .init(name: "ADMIN_TOKEN", defaultValue: "none (admin endpoints answer 403)", meaning: "bearer token for /shutdown and /admin/*, at least 16 characters (secret)"),
        .init(name: "PENDING_ACTION_TTL", defaultValue: "30m", meaning: "how long a check-in/out waits for the location"),
        .init(name: "CLEANUP_INTERVAL", defaultValue: "15m", meaning: "how often expired pending actions are deleted"),
        .init(name: "WEBHOOK_SETUP_ATTEMPTS", defaultValue: "3", meaning: "setWebhook tries before falling back to polling"),
        .init(name: "WEBHOOK_RETRY_BASE_DELAY", defaultValue: "1s", meaning: "first delay of the exponential backoff with jitter"),
        .init(name: "HTTP_TIMEOUT", defaultValue: "30s", meaning: "deadline of every outbound request"),
        .init(name: "WEBHOOK_WATCHDOG_INTERVAL", defaultValue: "60s", meaning: "how often webhook delivery health is checked"),
        .init(name: "LEADER_CHECK_INTERVAL", defaultValue: "5s", meaning: "with a shared store, how often an instance checks which one leads (polls, sets the webhook)"),
        .init(name: "SHUTDOWN_GRACE", defaultValue: "25s", meaning: "drain deadline after SIGTERM"),
        .init(name: "RESOURCE_LOG_INTERVAL", defaultValue: "5m", meaning: "how often resource usage is logged"),
        .init(name: "MEMORY_LIMIT_BYTES", defaultValue: "cgroup memory.max, else MemTotal", meaning: "what memory percentages are of"),
        .init(name: "MEMORY_WARN_PERCENT", defaultValue: "80", meaning: "memory use that logs a warning"),
        .init(name: "MEMORY_CRITICAL_PERCENT", defaultValue: "90", meaning: "memory use that triggers cleanup and shedding"),
        .init(name: "LOG_LEVEL", defaultValue: "info", meaning: "trace, debug, info, notice, warning, error or critical"),
        .init(name: "LOG_DIR", defaultValue: "logs", meaning: "directory of bot.log (rotated)"),
    ]

    /// The usage lines, which `metro-bot` also prints (exit 64) for an argument it does not know.
    public static let usage = """
        Usage: metro-bot            (configured entirely by environment variables)
               metro-bot --help     (every variable, with its default)
               metro-bot incident export --since 2h --out bundle.json   (see metro-bot incident export --help)
        """

    /// The help text `metro-bot --help` prints: usage and one line per variable.
    public static var helpText: String {
        let width = all.map(\.name.count).max() ?? 0
        var lines = [
            "metro-bot — the Metropolitan check-in bot.",
            "",
            usage,
            "",
            "Durations are written 250ms, 15s, 30m, 2h or 7d. A bad value stops the bot with exit code 78.",
            "",
            "Environment variables (default in brackets):",
        ]
        for variable in all {
            let padding = String(repeating: " ", count: width - variable.name.count)
            lines.append("  \(variable.name)\(padding)  \(variable.meaning) [\(variable.defaultValue)]")
        }
        return lines.joined(separator: "\n")
    }
}
