import Foundation
import GRDB

/// One thing that happened to the bot, as the event journal keeps it: a mode change and why, a
/// webhook set or deleted, a failed Telegram or Sheets call, a circuit transition, a dead letter,
/// a cleanup run, a start or a stop. Operators read them on the dashboard and in incident bundles;
/// none carries a secret (the clients redact their errors) or a user's text.
public struct JournalEvent: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    /// The kinds of event.
    public enum Kind: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
        case started, stopped
        case modeChanged = "mode_changed"
        case webhookSet = "webhook_set"
        case webhookDeleted = "webhook_deleted"
        case telegramFailure = "telegram_failure"
        case sheetsFailure = "sheets_failure"
        case circuitChanged = "circuit_changed"
        case resourceAlert = "resource_alert"
        /// The outbox's oldest row crossed 1, 5 or 30 minutes of waiting, or the backlog cleared.
        case outboxBacklog = "outbox_backlog"
        case deadLetter = "dead_letter"
        case cleanupRan = "cleanup_ran"
        /// A check-in or check-out queued for the sheet (its site and action; the user's id and
        /// name, which only the admin view of the dashboard shows).
        case attendance
    }

    /// How much an operator should care.
    public enum Severity: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
        case info, warning, error
    }

    /// When it happened.
    public var at: Date
    /// What happened.
    public var kind: Kind
    /// How much it matters.
    public var severity: Severity
    /// The update it concerns, if any.
    public var updateID: Int64?
    /// The details: method, status, error code, `retry_after`, duration, mode, reason, …
    public var fields: [String: String]

    /// Creates an event.
    /// - Parameters:
    ///   - at: Defaults to now.
    ///   - severity: Defaults to `.info`.
    ///   - updateID: Defaults to none.
    ///   - fields: Defaults to none.
    public init(_ kind: Kind, at: Date = Date(), severity: Severity = .info, updateID: Int64? = nil, fields: [String: String] = [:]) {
        self.at = at
        self.kind = kind
        self.severity = severity
        self.updateID = updateID
        self.fields = fields
    }

    public static let databaseTableName = "events"

    enum CodingKeys: String, CodingKey {
        case at, kind, severity, fields
        case updateID = "update_id"
    }

    /// The table's columns.
    public enum Columns {
        public static let at = Column(CodingKeys.at)
    }
}

/// An update as it arrived, kept for incident bundles: in the `processed_updates` row that marks
/// it processed, or, for an update that was not processed, a row of `received_updates`.
public struct ReceivedUpdateRecord: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    /// Where it came from.
    public enum Source: String, Sendable, Codable, DatabaseValueConvertible {
        case webhook, polling
    }

    /// The update's `update_id` (primary key: a redelivery keeps the first arrival).
    public var updateID: Int64
    /// When it first arrived.
    public var receivedAt: Date
    /// The webhook or a `getUpdates` answer.
    public var source: Source
    /// Its JSON (for polling, as far as it decoded).
    public var raw: String

    /// Creates a record.
    public init(updateID: Int64, receivedAt: Date, source: Source, raw: String) {
        self.updateID = updateID
        self.receivedAt = receivedAt
        self.source = source
        self.raw = raw
    }

    /// The record of `received` arriving at `now` from `source`. Its JSON is kept whole up to
    /// `EventJournal.maximumRawBytes`; a larger one is kept as its id and size, so that a flood of
    /// 1 MiB bodies cannot fill memory or disk.
    public static func arrival(of received: ReceivedUpdate, from source: Source, at now: Date) -> ReceivedUpdateRecord {
        var raw = received.keptJSON
        if raw.utf8.count > EventJournal.maximumRawBytes {
            raw = #"{"update_id":\#(received.update.updateID),"journal_truncated_bytes":\#(raw.utf8.count)}"#
        }
        return ReceivedUpdateRecord(updateID: received.update.updateID, receivedAt: now, source: source, raw: raw)
    }

    /// `arrivals` split for a batch of updates: those of the batch's inputs by `update_id` (each
    /// kept in the row that marks its update processed), and the others (kept in
    /// `received_updates`). The first arrival of an update wins.
    static func byUpdateID(_ arrivals: [ReceivedUpdateRecord],
                           among inputs: [ConversationInput]) -> (inputs: [Int64: ReceivedUpdateRecord], others: [ReceivedUpdateRecord]) {
        guard !arrivals.isEmpty else { return ([:], []) }
        let inputIDs = Set(inputs.map(\.updateID))
        var byID: [Int64: ReceivedUpdateRecord] = [:]
        var others: [ReceivedUpdateRecord] = []
        for arrival in arrivals {
            if inputIDs.contains(arrival.updateID) {
                if byID[arrival.updateID] == nil { byID[arrival.updateID] = arrival }
            } else {
                others.append(arrival)
            }
        }
        return (byID, others)
    }

    public static let databaseTableName = "received_updates"

    enum CodingKeys: String, CodingKey {
        case updateID = "update_id", receivedAt = "received_at", source, raw
    }

    /// The table's columns.
    public enum Columns {
        public static let receivedAt = Column(CodingKeys.receivedAt)
    }
}
