import Foundation

/// The configuration half of `chaos checklist`: a real deployment's environment checked offline
/// against DESIGN.md's configuration table. Values of secrets are never printed.
public enum DeploymentChecks {
    /// One checked item.
    public struct Item: Sendable, Equatable {
        /// What is claimed ("the webhook URL is HTTPS").
        public var claim: String
        /// Whether it holds.
        public var passed: Bool
        /// What was found, or how to fix it.
        public var detail: String
    }

    static let durationVariables = [
        "PENDING_ACTION_TTL", "CLEANUP_INTERVAL", "WEBHOOK_RETRY_BASE_DELAY", "HTTP_TIMEOUT", "WEBHOOK_WATCHDOG_INTERVAL",
        "SHUTDOWN_GRACE", "RESOURCE_LOG_INTERVAL",
    ]

    /// Checks `environment` as the bot would read it in production.
    public static func check(_ environment: [String: String]) -> [Item] {
        var items: [Item] = []
        func item(_ claim: String, _ passed: Bool, _ detail: String) { items.append(Item(claim: claim, passed: passed, detail: detail)) }

        let token = environment["TELEGRAM_BOT_TOKEN"] ?? ""
        item("TELEGRAM_BOT_TOKEN is set and shaped like a BotFather token", token.range(of: #"^[0-9]{5,}:[A-Za-z0-9_-]{30,}$"#, options: .regularExpression) != nil,
             token.isEmpty ? "set TELEGRAM_BOT_TOKEN to the token BotFather gave" : "value not shown; expected <digits>:<35 characters>")

        let webhookURL = environment["WEBHOOK_URL"] ?? environment["RENDER_APP_NAME"].map { "https://\($0).onrender.com" }
        if let webhookURL {
            let url = URL(string: webhookURL)
            item("the webhook URL is HTTPS on a port Telegram accepts (443, 80, 88, 8443)",
                 url?.scheme == "https" && [nil, 443, 80, 88, 8443].contains(url?.port), webhookURL)
        } else {
            item("a webhook URL is configured (WEBHOOK_URL or RENDER_APP_NAME)", false, "none: the bot would poll; set WEBHOOK_URL=https://… for production")
        }
        let path = environment["WEBHOOK_PATH"] ?? "/telegram/webhook"
        item("WEBHOOK_PATH does not contain the bot token", token.isEmpty || !path.contains(token), token.isEmpty ? path : "checked (path not shown when it leaks)")
        if let secret = environment["WEBHOOK_SECRET"] {
            item("WEBHOOK_SECRET is 1–256 characters of A-Z a-z 0-9 _ -", secret.range(of: "^[A-Za-z0-9_-]{1,256}$", options: .regularExpression) != nil, "value not shown")
        }
        let admin = environment["ADMIN_TOKEN"] ?? ""
        item("ADMIN_TOKEN is set and at least 24 characters (else /shutdown answers 403)", admin.count >= 24,
             admin.isEmpty ? "unset: /shutdown is disabled" : "\(admin.count) characters")
        item("SPREADSHEET_ID is set", !(environment["SPREADSHEET_ID"] ?? "").isEmpty, environment["SPREADSHEET_ID"].map { _ in "set" } ?? "set SPREADSHEET_ID to the sheet's id from its URL")

        if let path = environment["GOOGLE_APPLICATION_CREDENTIALS"] {
            let data = FileManager.default.contents(atPath: path)
            let json = data.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            let complete = json.map { key in ["type", "client_email", "private_key", "token_uri"].allSatisfy { key[$0] is String } && key["type"] as? String == "service_account" } ?? false
            item("GOOGLE_APPLICATION_CREDENTIALS is a readable service-account key", complete,
                 data == nil ? "\(path): cannot read the file" : (complete ? path : "\(path): expected type service_account with client_email, private_key, token_uri"))
        } else {
            item("GOOGLE_APPLICATION_CREDENTIALS is set", false, "set it to the service-account JSON file's path")
        }
        if let sites = environment["SITES_FILE"] {
            let parsed = FileManager.default.contents(atPath: sites).flatMap { try? JSONDecoder().decode([ScenarioSite].self, from: $0) }
            item("SITES_FILE lists valid sites", (parsed?.isEmpty == false) && parsed!.allSatisfy { abs($0.latitude) <= 90 && abs($0.longitude) <= 180 && $0.radiusM > 0 },
                 parsed.map { "\($0.count) site(s)" } ?? "\(sites): expected a JSON array of {name, latitude, longitude, radius_m}")
        }
        for name in durationVariables {
            guard let value = environment[name] else { continue }
            item("\(name) is a duration", DurationText.parse(value) != nil, DurationText.parse(value) == nil ? "\(value): write it like 250ms, 15s, 30m, 2h" : value)
        }
        let grace = environment["SHUTDOWN_GRACE"].flatMap(DurationText.parse) ?? .seconds(25)
        item("SHUTDOWN_GRACE is below Render's 30 s SIGKILL", grace < .seconds(30), DurationText.format(grace))
        let warn = Double(environment["MEMORY_WARN_PERCENT"] ?? "80"), critical = Double(environment["MEMORY_CRITICAL_PERCENT"] ?? "90")
        item("memory warn < critical percent, both in 1–100", warn.map { (1...100).contains($0) } == true && critical.map { (1...100).contains($0) } == true && (warn ?? 0) < (critical ?? 0),
             "warn \(environment["MEMORY_WARN_PERCENT"] ?? "80"), critical \(environment["MEMORY_CRITICAL_PERCENT"] ?? "90")")
        let database = environment["DATABASE_PATH"] ?? "data/metropolitan.sqlite"
        let directory = (database as NSString).deletingLastPathComponent
        item("the database directory is writable", FileManager.default.isWritableFile(atPath: directory.isEmpty ? "." : directory), directory.isEmpty ? "." : directory)
        return items
    }
}
