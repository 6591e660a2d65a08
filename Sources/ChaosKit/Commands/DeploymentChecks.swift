import Bot
import Foundation
import MetroSupport

/// The configuration half of `chaos checklist`: a real deployment's environment checked offline.
///
/// The first item runs the bot's own validation (`BotConfiguration(environment:)`, the code
/// `metro-bot` runs at start), so the checklist accepts exactly what the bot accepts and a bad
/// variable is reported in the bot's words, naming it. The other items are what production needs
/// beyond a configuration the bot can start with (an HTTPS webhook Telegram will call, the admin
/// token, a shutdown grace under Render's SIGKILL, writable directories). Values of secrets are
/// never printed.
public enum DeploymentChecks {
    /// The item's claim for the bot's own validation; the first item of ``check(_:)``.
    public static let configurationClaim = "the bot accepts this configuration"

    /// Checks `environment` as the bot would read it in production.
    /// - Returns: the items, and the parsed configuration when the bot accepts it (the online
    ///   checks start from it).
    public static func check(_ environment: [String: String]) -> (items: [ChecklistItem], configuration: BotConfiguration?) {
        let configuration: BotConfiguration
        do {
            configuration = try BotConfiguration(environment: environment)
        } catch {
            return ([ChecklistItem(claim: configurationClaim, proof: "BotConfiguration (metro-bot's start-up validation)", passed: false,
                          detail: error.description + "; the other checks need a configuration the bot accepts")], nil)
        }
        var items: [ChecklistItem] = []
        func item(_ claim: String, _ proof: String, _ passed: Bool, _ detail: String) {
            items.append(ChecklistItem(claim: claim, proof: proof, passed: passed, detail: detail))
        }
        let mode = configuration.webhook.url == nil ? "polling" : "webhook"
        item(configurationClaim, "BotConfiguration (metro-bot's start-up validation)", true,
             "\(mode) mode, sheet \(configuration.sheets.sheetName) of spreadsheet \(configuration.sheets.spreadsheetID), "
                 + "\(configuration.location.sites.count) site(s), service account \(configuration.sheets.credentials.clientEmail)")

        if let url = configuration.webhook.url, let full = webhookURL(configuration) {
            let portAccepted = [nil, 443, 80, 88, 8443].contains(url.port)
            item("the webhook URL is HTTPS on a port Telegram accepts (443, 80, 88, 8443)", "WEBHOOK_URL, WEBHOOK_PATH",
                 url.scheme == "https" && portAccepted,
                 url.scheme != "https" ? "\(full): Telegram delivers only over HTTPS; set WEBHOOK_URL=https://…"
                     : portAccepted ? full : "\(full): port \(url.port ?? 0) is not one Telegram calls; use 443, 80, 88 or 8443")
        } else {
            item("a webhook URL is configured (WEBHOOK_URL or RENDER_APP_NAME)", "WEBHOOK_URL, RENDER_APP_NAME", false,
                 "none: the bot would poll; set WEBHOOK_URL=https://… for production")
        }
        item("ADMIN_TOKEN is set (else /shutdown answers 403)", "ADMIN_TOKEN", configuration.admin.token != nil,
             configuration.admin.token.map { "\($0.count) characters (value not shown)" } ?? "unset: /shutdown is disabled; set it from `openssl rand -hex 24`")
        let grace = configuration.timing.shutdownGrace
        item("SHUTDOWN_GRACE is below Render's 30 s SIGKILL", "SHUTDOWN_GRACE", grace < .seconds(30),
             DurationText.format(grace) + (grace < .seconds(30) ? "" : ": the platform kills the bot before it has flushed; use 25s or less"))
        let database = URL(fileURLWithPath: configuration.store.databasePath).deletingLastPathComponent().path
        item("the database directory is writable (or can be created)", "DATABASE_PATH", canWrite(directory: database), database)
        item("the log directory is writable (or can be created)", "LOG_DIR", canWrite(directory: configuration.logs.directory), configuration.logs.directory)
        return (items, configuration)
    }

    /// The URL the bot registers with `setWebhook`: `WEBHOOK_URL` (without trailing slashes)
    /// followed by `WEBHOOK_PATH`; nil in polling mode.
    static func webhookURL(_ configuration: BotConfiguration) -> String? {
        guard var base = configuration.webhook.url?.absoluteString else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return base + configuration.webhook.path
    }

    /// Whether `directory` is writable, or, when it does not exist, whether its nearest existing
    /// ancestor is (the bot creates the missing directories).
    static func canWrite(directory: String) -> Bool {
        var url = URL(fileURLWithPath: directory.isEmpty ? "." : directory).standardizedFileURL
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard url.path != "/" else { return false }
            url.deleteLastPathComponent()
        }
        return isDirectory.boolValue && FileManager.default.isWritableFile(atPath: url.path)
    }
}
