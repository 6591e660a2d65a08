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

    public var status: Status
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

    public init(
        status: Status, mode: RuntimeMode, uptimeSeconds: Double, version: String, memory: Memory,
        cpuPercent: Double, diskPercent: Double?, pendingActions: Int, outbox: Outbox,
        telegram: Telegram, sheets: Sheets, location: LocationInfo, cleanup: Cleanup
    ) {
        self.status = status
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
    }

    enum CodingKeys: String, CodingKey {
        case status, mode, uptimeSeconds = "uptime_s", version, memory, cpuPercent = "cpu_percent"
        case diskPercent = "disk_percent", pendingActions = "pending_actions", outbox, telegram
        case sheets, location, cleanup
    }

    /// The HTTP status `/health` answers with: 503 when unhealthy or stopping, else 200.
    public var httpStatusCode: Int {
        status == .unhealthy || mode == .stopping ? 503 : 200
    }

    /// The verdict from the figures. Rows waiting in the outbox longer than `staleOutboxAfter`,
    /// an open circuit, a Telegram error, memory at the warn level or polling although a webhook
    /// is configured make the bot `degraded`; memory at the critical level makes it `unhealthy`.
    public static func verdict(
        pressure: MemoryPressure,
        outbox: Outbox,
        staleOutboxAfter: Double = 300,
        circuit: String,
        telegramError: String?,
        pollingAsFallback: Bool
    ) -> Status {
        if pressure == .critical { return .unhealthy }
        if pressure == .warning || circuit != "closed" || telegramError != nil || pollingAsFallback
            || (outbox.oldestAgeSeconds ?? 0) > staleOutboxAfter {
            return .degraded
        }
        return .ok
    }

    /// The JSON encoder `/health` uses: ISO 8601 dates, sorted keys.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
