import Foundation

/// The body of `GET /health` (DESIGN.md, "HTTP endpoints"). Field names are snake_case on the wire.
public struct HealthReport: Codable, Sendable, Equatable {
    /// Overall verdict.
    public enum Status: String, Codable, Sendable {
        /// Everything works.
        case ok
        /// Working, with something to look at: memory over the warn level, Sheets failing (the
        /// outbox holds the rows), a Telegram error, or polling as a fallback from the webhook.
        case degraded
        /// Not doing its job: memory critical or the store unreadable.
        case unhealthy
    }

    public struct Memory: Codable, Sendable, Equatable {
        public var rssBytes: UInt64
        public var limitBytes: UInt64
        public var percent: Double

        public init(rssBytes: UInt64, limitBytes: UInt64, percent: Double) {
            self.rssBytes = rssBytes
            self.limitBytes = limitBytes
            self.percent = percent
        }

        enum CodingKeys: String, CodingKey {
            case rssBytes = "rss_bytes", limitBytes = "limit_bytes", percent
        }
    }

    public struct Outbox: Codable, Sendable, Equatable {
        public var queued: Int
        /// Age of the oldest queued row; nil when the outbox is empty.
        public var oldestAgeSeconds: Double?

        public init(queued: Int, oldestAgeSeconds: Double?) {
            self.queued = queued
            self.oldestAgeSeconds = oldestAgeSeconds
        }

        enum CodingKeys: String, CodingKey {
            case queued, oldestAgeSeconds = "oldest_age_s"
        }
    }

    public struct Telegram: Codable, Sendable, Equatable {
        public var webhookSet: Bool
        public var lastError: String?

        public init(webhookSet: Bool, lastError: String?) {
            self.webhookSet = webhookSet
            self.lastError = lastError
        }

        enum CodingKeys: String, CodingKey {
            case webhookSet = "webhook_set", lastError = "last_error"
        }
    }

    public struct Sheets: Codable, Sendable, Equatable {
        /// `ok` after the last append succeeded, `failing` after it failed, `idle` before any.
        public var status: String
        /// The circuit breaker's state: `closed`, `open` or `half_open`.
        public var circuit: String

        public init(status: String, circuit: String) {
            self.status = status
            self.circuit = circuit
        }
    }

    public struct LocationInfo: Codable, Sendable, Equatable {
        public var sites: Int

        public init(sites: Int) {
            self.sites = sites
        }
    }

    public struct Cleanup: Codable, Sendable, Equatable {
        public var lastRun: Date?
        public var removedTotal: Int

        public init(lastRun: Date?, removedTotal: Int) {
            self.lastRun = lastRun
            self.removedTotal = removedTotal
        }

        enum CodingKeys: String, CodingKey {
            case lastRun = "last_run", removedTotal = "removed_total"
        }
    }

    /// Updates that could not be processed (`GET /admin/dead-letters` lists them).
    public struct DeadLetters: Codable, Sendable, Equatable {
        public var count: Int
        /// When the newest was last refused.
        public var lastAt: Date?
        /// Its reason, `code: detail`.
        public var lastReason: String?

        public init(count: Int, lastAt: Date?, lastReason: String?) {
            self.count = count
            self.lastAt = lastAt
            self.lastReason = lastReason
        }

        enum CodingKeys: String, CodingKey {
            case count, lastAt = "last_at", lastReason = "last_reason"
        }

        /// None.
        public static let none = DeadLetters(count: 0, lastAt: nil, lastReason: nil)
    }

    /// Updates whose storing keeps failing, each retried until it is stored or becomes a dead letter.
    public struct Intake: Codable, Sendable, Equatable {
        /// How many are being retried.
        public var retrying: Int
        /// The oldest one's `update_id`.
        public var oldestUpdateID: Int64?
        /// When its first try failed.
        public var failingSince: Date?
        /// Its last error.
        public var lastError: String?

        public init(retrying: Int, oldestUpdateID: Int64?, failingSince: Date?, lastError: String?) {
            self.retrying = retrying
            self.oldestUpdateID = oldestUpdateID
            self.failingSince = failingSince
            self.lastError = lastError
        }

        enum CodingKeys: String, CodingKey {
            case retrying, oldestUpdateID = "oldest_update_id", failingSince = "failing_since", lastError = "last_error"
        }

        /// Nothing failing.
        public static let idle = Intake(retrying: 0, oldestUpdateID: nil, failingSince: nil, lastError: nil)
    }

    /// Which store the bot runs on.
    public struct StoreInfo: Codable, Sendable, Equatable {
        /// `sqlite` (`DATABASE_PATH`) or `postgres` (`DATABASE_URL`).
        public var kind: StoreKind

        /// Creates the section.
        public init(kind: StoreKind) {
            self.kind = kind
        }
    }

    public var status: Status
    /// Why the status is not `ok`, one phrase per cause; empty when it is.
    public var reasons: [String]
    public var mode: RuntimeMode
    public var uptimeSeconds: Double
    public var version: String
    public var memory: Memory
    public var cpuPercent: Double
    public var diskPercent: Double?
    public var pendingActions: Int
    public var outbox: Outbox
    public var telegram: Telegram
    public var sheets: Sheets
    public var location: LocationInfo
    public var cleanup: Cleanup
    public var deadLetters: DeadLetters
    public var intake: Intake
    public var store: StoreInfo

    /// Creates a report.
    /// - Parameters:
    ///   - reasons: Defaults to none.
    ///   - deadLetters: Defaults to none.
    ///   - intake: Defaults to nothing failing.
    ///   - store: Defaults to SQLite.
    public init(
        status: Status, reasons: [String] = [], mode: RuntimeMode, uptimeSeconds: Double, version: String, memory: Memory,
        cpuPercent: Double, diskPercent: Double?, pendingActions: Int, outbox: Outbox,
        telegram: Telegram, sheets: Sheets, location: LocationInfo, cleanup: Cleanup,
        deadLetters: DeadLetters = .none, intake: Intake = .idle, store: StoreInfo = StoreInfo(kind: .sqlite)
    ) {
        self.status = status
        self.reasons = reasons
        self.mode = mode
        self.uptimeSeconds = uptimeSeconds
        self.version = version
        self.memory = memory
        self.cpuPercent = cpuPercent
        self.diskPercent = diskPercent
        self.pendingActions = pendingActions
        self.outbox = outbox
        self.telegram = telegram
        self.sheets = sheets
        self.location = location
        self.cleanup = cleanup
        self.deadLetters = deadLetters
        self.intake = intake
        self.store = store
    }

    enum CodingKeys: String, CodingKey {
        case status, reasons, mode, uptimeSeconds = "uptime_s", version, memory, cpuPercent = "cpu_percent"
        case diskPercent = "disk_percent", pendingActions = "pending_actions", outbox, telegram
        case sheets, location, cleanup, deadLetters = "dead_letters", intake, store
    }

    /// The HTTP status `/health` answers with: 503 when unhealthy or stopping, else 200.
    public var httpStatusCode: Int {
        status == .unhealthy || mode == .stopping ? 503 : 200
    }

    /// The verdict from the figures, with a phrase per cause. Memory at the critical level makes
    /// the bot `unhealthy`. Memory at the warn level, rows waiting in the outbox longer than
    /// `staleOutboxAfter` seconds, an open circuit, a Telegram error, polling although a webhook
    /// is configured, a dead letter newer than a day, or an update failing for longer than the
    /// stall limit make it `degraded`.
    /// - Parameters:
    ///   - recentDeadLetter: the reason of a dead letter newer than a day, if any. Defaults to none.
    ///   - stalledIntake: why the intake is stuck, if an update has been failing too long.
    ///     Defaults to none.
    public static func verdict(
        pressure: MemoryPressure,
        outbox: Outbox,
        staleOutboxAfter: Double = 300,
        circuit: String,
        telegramError: String?,
        pollingAsFallback: Bool,
        recentDeadLetter: String? = nil,
        stalledIntake: String? = nil
    ) -> (status: Status, reasons: [String]) {
        var reasons: [String] = []
        switch pressure {
        case .critical: reasons.append("memory is at the critical level")
        case .warning: reasons.append("memory is at the warning level")
        case .normal: break
        }
        if let oldest = outbox.oldestAgeSeconds, oldest > staleOutboxAfter {
            reasons.append("rows have waited for Sheets for \(Int(oldest)) s")
        }
        if circuit != "closed" { reasons.append("the Sheets circuit is \(circuit)") }
        if let telegramError { reasons.append("Telegram: \(telegramError)") }
        if pollingAsFallback { reasons.append("polling as a fallback from the webhook") }
        if let recentDeadLetter { reasons.append("dead letter in the last day: \(recentDeadLetter)") }
        if let stalledIntake { reasons.append(stalledIntake) }
        let status: Status = pressure == .critical ? .unhealthy : reasons.isEmpty ? .ok : .degraded
        return (status, reasons)
    }

    /// The JSON encoder `/health` uses: ISO 8601 dates, sorted keys.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
