import Bot
import Foundation
import MetroSupport

/// The configuration half of `chaos checklist`: a real deployment's environment checked offline.
///
/// The first item runs the bot's own validation (`BotConfiguration(environment:)`, the code
/// `metro-bot` runs at start), so the checklist accepts exactly what the bot accepts and a bad
/// variable is reported in the bot's words, naming it. The other items are what production needs
/// beyond a configuration the bot can start with (an HTTPS webhook Telegram will call, the admin
/// token, a shutdown grace under the platform's SIGKILL, a store that survives restarts, writable
/// directories). Values of secrets are never printed.
public enum DeploymentChecks {
    /// The item's claim for the bot's own validation; the first item of ``check(_:target:)``.
    public static let configurationClaim = "the bot accepts this configuration"
    /// The claim of the store item.
    public static let storeClaim = "the store survives restarts"
    /// The claim of the shutdown-deadline item.
    public static let shutdownClaim = "SHUTDOWN_GRACE is below the platform's kill deadline"

    /// What the environment does not say about the deployment: the platform, its disk, and its
    /// kill deadline when a manifest gives it.
    public struct Target: Sendable {
        /// `--platform`. Defaults to ``DeploymentPlatform/default`` (Render).
        public var platform: DeploymentPlatform
        /// `--persistent-volume`: a disk that survives deploys is mounted where `DATABASE_PATH`
        /// points. Defaults to false.
        public var persistentVolume: Bool
        /// Read from `--kubernetes-manifest`; replaces the platform's default deadline. Defaults to none.
        public var kubernetes: KubernetesShutdownDeadline?

        /// Creates a target; the defaults are above.
        public init(platform: DeploymentPlatform = .default, persistentVolume: Bool = false, kubernetes: KubernetesShutdownDeadline? = nil) {
            self.platform = platform
            self.persistentVolume = persistentVolume
            self.kubernetes = kubernetes
        }
    }

    /// Checks `environment` as the bot would read it in production.
    /// - Returns: the items, and the parsed configuration when the bot accepts it (the online
    ///   checks start from it).
    /// - Parameters:
    ///   - environment: the deployment's variables.
    ///   - target: the platform and its disk. Defaults to Render without a disk.
    public static func check(_ environment: [String: String], target: Target = Target()) -> (items: [ChecklistItem], configuration: BotConfiguration?) {
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
        items.append(shutdownItem(grace: configuration.timing.shutdownGrace, target: target))
        items.append(storeItem(databasePath: configuration.store.databasePath, databaseURLIsSet: !(environment["DATABASE_URL"] ?? "").isEmpty, target: target))
        let database = URL(fileURLWithPath: configuration.store.databasePath).deletingLastPathComponent().path
        item("the database directory is writable (or can be created)", "DATABASE_PATH", canWrite(directory: database), database)
        item("the log directory is writable (or can be created)", "LOG_DIR", canWrite(directory: configuration.logs.directory), configuration.logs.directory)
        return (items, configuration)
    }

    /// "SHUTDOWN_GRACE is below the platform's kill deadline": the drain must end before SIGKILL,
    /// which comes at the manifest's `terminationGracePeriodSeconds` less its preStop sleep when
    /// a Kubernetes manifest was read, else at the platform's default.
    static func shutdownItem(grace: Duration, target: Target) -> ChecklistItem {
        let deadline: Duration, proof: String, source: String
        if let kubernetes = target.kubernetes {
            deadline = kubernetes.drainBudget
            proof = "SHUTDOWN_GRACE, terminationGracePeriodSeconds in \(kubernetes.file)"
            source = "\(kubernetes.gracePeriodSeconds) s terminationGracePeriodSeconds" + (kubernetes.gracePeriodIsExplicit ? "" : " (Kubernetes' default: the field is absent)")
                + (kubernetes.preStopSeconds > 0 ? " less the \(kubernetes.preStopSeconds) s preStop sleep" : "") + " of \(kubernetes.workload)"
        } else {
            deadline = target.platform.defaultKillDeadline
            proof = "SHUTDOWN_GRACE, --platform \(target.platform.rawValue)"
            source = target.platform.killDeadlineSource
        }
        let holds = grace < deadline
        let fix: String
        switch (target.kubernetes, target.platform) {
        case (.some(let kubernetes), _):
            fix = "set terminationGracePeriodSeconds above \(kubernetes.preStopSeconds) + SHUTDOWN_GRACE seconds, or lower SHUTDOWN_GRACE"
        case (nil, .render): fix = "lower SHUTDOWN_GRACE to 25s, or raise the service's maxShutdownDelaySeconds"
        case (nil, .docker): fix = "run `docker stop --time` longer than SHUTDOWN_GRACE (--stop-timeout on docker run), or lower SHUTDOWN_GRACE"
        case (nil, .kubernetes): fix = "give --kubernetes-manifest to read your terminationGracePeriodSeconds, or lower SHUTDOWN_GRACE"
        case (nil, .vm): fix = "raise the unit's TimeoutStopSec, or lower SHUTDOWN_GRACE"
        case (nil, .heroku): fix = "lower SHUTDOWN_GRACE to 25s"
        }
        return ChecklistItem(claim: shutdownClaim, proof: proof, passed: holds,
                             detail: "\(DurationText.format(grace)) " + (holds ? "< " : ">= ") + "\(DurationText.format(deadline)) (\(source))"
                                 + (holds ? "" : ": the platform kills the bot before it has flushed; \(fix)"))
    }

    /// "the store survives restarts": with `DATABASE_URL` the store is PostgreSQL, outside the
    /// bot's disk, and survives any deploy. Otherwise the SQLite file at `DATABASE_PATH` survives a
    /// deploy only on a persistent volume; without one the item warns rather than fails, since a
    /// deploy loses queued rows but the bot still runs.
    static func storeItem(databasePath: String, databaseURLIsSet: Bool, target: Target) -> ChecklistItem {
        let proof = "DATABASE_URL, DATABASE_PATH, --platform \(target.platform.rawValue)" + (target.persistentVolume ? ", --persistent-volume" : "")
        let sqlite = "SQLite at \(databasePath)"
        if databaseURLIsSet {
            return ChecklistItem(claim: storeClaim, proof: proof, passed: true,
                                 detail: "PostgreSQL at DATABASE_URL (value not shown): the store is off the bot's disk and survives deploys")
        }
        if target.persistentVolume || !target.platform.diskIsEphemeral {
            return ChecklistItem(claim: storeClaim, proof: proof, passed: true,
                                 detail: sqlite + (target.persistentVolume ? " on the persistent volume (--persistent-volume)" : " on \(target.platform.rawValue)'s local disk")
)
        }
        let lost = "\(target.platform.rawValue)'s disk is new at every deploy, so the outbox, de-duplication and pending check-ins would be lost"
        let fix = "mount a persistent volume at \((databasePath as NSString).deletingLastPathComponent) and say so with --persistent-volume"
        return ChecklistItem(claim: storeClaim, proof: proof, passed: true, warning: true,
                             detail: "DATABASE_URL is unset: the store is \(sqlite); \(lost); \(fix)")
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
