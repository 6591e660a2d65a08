import Foundation
import GRDB

/// A row of `dead_letters`: an update the bot could not process, kept with its raw JSON and the
/// reason, until an operator retries it (`POST /admin/dead-letters/{update_id}/retry`) or it is
/// older than `UPDATE_RETENTION`.
public struct DeadLetter: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    /// The update's `update_id` (primary key).
    public var updateID: Int64
    /// The update as it arrived (for polling, as far as it decoded).
    public var rawUpdate: String
    /// The reason's fixed label.
    public var reasonCode: UpdateRejection.Code
    /// What was wrong.
    public var reason: String
    /// When it was first refused.
    public var firstSeen: Date
    /// When it was last refused (a redelivery, or a retry that failed again).
    public var lastSeen: Date
    /// How many times it was refused.
    public var attempts: Int

    public static let databaseTableName = "dead_letters"

    /// Creates a dead letter seen once, at `now`.
    public init(updateID: Int64, rawUpdate: String, rejection: UpdateRejection, now: Date) {
        self.updateID = updateID
        self.rawUpdate = rawUpdate
        self.reasonCode = rejection.code
        self.reason = rejection.detail
        self.firstSeen = now
        self.lastSeen = now
        self.attempts = 1
    }

    enum CodingKeys: String, CodingKey {
        case updateID = "update_id"
        case rawUpdate = "raw_update"
        case reasonCode = "reason_code"
        case reason
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case attempts
    }

    /// The table's columns.
    public enum Columns {
        static let updateID = Column(CodingKeys.updateID)
        static let lastSeen = Column(CodingKeys.lastSeen)
    }
}

extension UpdateRejection.Code: DatabaseValueConvertible {}

/// The count of dead letters and the newest one's time and reason, for `/health`.
public struct DeadLetterSummary: Sendable, Equatable {
    /// How many the store holds.
    public var count: Int
    /// When the newest was last refused.
    public var lastAt: Date?
    /// Its reason.
    public var lastReason: String?

    /// Creates a summary.
    public init(count: Int, lastAt: Date?, lastReason: String?) {
        self.count = count
        self.lastAt = lastAt
        self.lastReason = lastReason
    }
}
