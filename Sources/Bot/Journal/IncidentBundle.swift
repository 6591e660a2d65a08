import Foundation

/// What happened to a bot in a window of time, as one JSON document: the updates with their
/// arrival times, the journaled events (failures, mode changes, restarts, dead letters), the
/// configuration without its secrets, and the versions. `metro-bot incident export` and
/// `GET /admin/incident` make one; `chaos reproduce` turns one into a scenario.
public struct IncidentBundle: Codable, Sendable, Equatable {
    /// The format's name, so that a file of another kind is recognised as such.
    public static let formatName = "metropolitan-incident"
    /// The format version this build writes and reads.
    public static let currentFormatVersion = 1

    /// One update as it arrived.
    public struct ArrivedUpdate: Codable, Sendable, Equatable {
        public var updateID: Int64
        public var receivedAt: Date
        public var source: String
        /// The update's JSON, as text.
        public var update: String

        /// Creates an entry.
        public init(updateID: Int64, receivedAt: Date, source: String, update: String) {
            self.updateID = updateID
            self.receivedAt = receivedAt
            self.source = source
            self.update = update
        }

        enum CodingKeys: String, CodingKey {
            case updateID = "update_id", receivedAt = "received_at", source, update
        }
    }

    /// One configuration variable as the bot saw it; a secret's value is never included.
    public struct Setting: Codable, Sendable, Equatable {
        public var variable: String
        public var value: String

        /// Creates a setting.
        public init(variable: String, value: String) {
            self.variable = variable
            self.value = value
        }
    }

    public var format: String
    public var formatVersion: Int
    public var botVersion: String
    public var exportedAt: Date
    public var since: Date
    public var until: Date
    /// Whether user ids, names and usernames were replaced by invented ones.
    public var anonymized: Bool
    /// Whether coordinates were rounded to two decimals (about a kilometre).
    public var locationsBlurred: Bool
    public var configuration: [Setting]
    public var updates: [ArrivedUpdate]
    public var events: [JournalEvent]

    /// Creates a bundle; `export(from:…)` is the usual way to get one.
    public init(format: String, formatVersion: Int, botVersion: String, exportedAt: Date, since: Date, until: Date,
                anonymized: Bool, locationsBlurred: Bool, configuration: [Setting], updates: [ArrivedUpdate], events: [JournalEvent]) {
        self.format = format
        self.formatVersion = formatVersion
        self.botVersion = botVersion
        self.exportedAt = exportedAt
        self.since = since
        self.until = until
        self.anonymized = anonymized
        self.locationsBlurred = locationsBlurred
        self.configuration = configuration
        self.updates = updates
        self.events = events
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", botVersion = "bot_version", exportedAt = "exported_at"
        case since, until, anonymized, locationsBlurred = "locations_blurred", configuration, updates, events
    }

    /// The JSON encoder bundles are written with: ISO 8601 dates, sorted keys, pretty.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }()
}

/// Why a bundle could not be made.
public struct IncidentExportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

extension IncidentBundle {
    /// The variables whose values are secret: named in a bundle, never shown.
    static let secretVariables: Set<String> = ["TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "ADMIN_TOKEN", "DATABASE_URL"]

    /// Reads the window `[since, until]` from `database`.
    /// - Parameters:
    ///   - environment: the variables to describe, secrets removed. Defaults to none.
    ///   - anonymize: replaces user ids, names and usernames consistently. Defaults to false.
    ///   - blurLocations: rounds coordinates to two decimals. Defaults to false.
    ///   - now: Defaults to the system clock.
    /// - Throws: `IncidentExportError` for a window in the future or one that ends before it starts.
    public static func export(from database: any BotStore, since: Date, until: Date? = nil, environment: [String: String] = [:],
                              anonymize: Bool = false, blurLocations: Bool = false, now: Date = Date()) async throws -> IncidentBundle {
        let until = until ?? now
        guard since <= now else {
            throw IncidentExportError(description: "the window starts in the future (\(since)); use --since with a duration such as 2h, or a past time")
        }
        guard since < until else {
            throw IncidentExportError(description: "the window is empty: --until (\(until)) is not after --since (\(since))")
        }
        var rewriter = IncidentAnonymizer(anonymize: anonymize, blurLocations: blurLocations)
        let updates = try await database.receivedUpdates(from: since, to: until).map { record in
            ArrivedUpdate(updateID: record.updateID, receivedAt: record.receivedAt, source: record.source.rawValue,
                          update: rewriter.rewrite(updateJSON: record.raw))
        }
        let events = try await database.events(from: since, to: until)
        let configuration = ConfigurationVariable.all.compactMap { variable -> Setting? in
            guard let value = environment[variable.name], !value.isEmpty else { return nil }
            return Setting(variable: variable.name, value: secretVariables.contains(variable.name) ? "(set, not shown)" : value)
        }
        return IncidentBundle(
            format: formatName, formatVersion: currentFormatVersion, botVersion: BotVersion.current, exportedAt: now,
            since: since, until: until, anonymized: anonymize, locationsBlurred: blurLocations,
            configuration: configuration, updates: updates, events: events)
    }
}
