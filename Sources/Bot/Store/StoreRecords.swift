import Foundation
import GRDB

// One Codable record per table. The domain types (`PendingAction`, `LastAction`) are their own
// records; the outbox and the outgoing messages have store-only records.

extension PendingAction: FetchableRecord, PersistableRecord {
    /// `pending_actions`: one row per user (primary key `user_id`).
    public static let databaseTableName = "pending_actions"

    /// The table's columns.
    public enum Columns {
        static let userID = Column(CodingKeys.userID)
        static let action = Column(CodingKeys.action)
        static let createdAt = Column(CodingKeys.createdAt)
        static let expiresAt = Column(CodingKeys.expiresAt)
    }
}

extension LastAction: FetchableRecord, PersistableRecord {
    /// `last_actions`: one row per user (primary key `user_id`).
    public static let databaseTableName = "last_actions"

    /// The table's columns.
    public enum Columns {
        static let userID = Column(CodingKeys.userID)
    }
}

/// A row of `processed_updates`: an update already handled, kept a day for de-duplication.
public struct ProcessedUpdate: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    /// The update's `update_id` (primary key).
    public var updateID: Int64
    /// When it was handled.
    public var processedAt: Date

    public static let databaseTableName = "processed_updates"

    enum CodingKeys: String, CodingKey {
        case updateID = "update_id"
        case processedAt = "processed_at"
    }

    /// The table's columns.
    public enum Columns {
        static let updateID = Column(CodingKeys.updateID)
        static let processedAt = Column(CodingKeys.processedAt)
    }
}

/// A row of `outbox`: an attendance row waiting for Sheets to confirm its append.
public struct OutboxEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// Order of enqueueing (auto-incremented).
    public var id: Int64?
    /// The row key: the update that produced the row (unique).
    public var updateID: Int64
    /// The sheet cells, stored as a JSON array.
    public var cells: [String]
    /// When the row was queued.
    public var enqueuedAt: Date
    /// Appends tried so far; greater than zero means Sheets may already hold the row.
    public var attempts: Int
    /// The last append error, if any.
    public var lastError: String?
    /// When the last append was started; `nil` if never tried (or tried before the column existed).
    public var lastAttemptAt: Date? = nil
    /// Set by a shared store's claim when another bot process had claimed the row and its lease
    /// ran out before the row was appended: that process may have appended it, so the sheet is
    /// checked first. Not a column; always false from SQLite, which one process owns.
    public var claimAbandoned: Bool = false

    public static let databaseTableName = "outbox"

    enum CodingKeys: String, CodingKey {
        case id
        case updateID = "update_id"
        case cells
        case enqueuedAt = "enqueued_at"
        case attempts
        case lastError = "last_error"
        case lastAttemptAt = "last_attempt_at"
    }

    /// The table's columns.
    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let updateID = Column(CodingKeys.updateID)
        static let enqueuedAt = Column(CodingKeys.enqueuedAt)
        static let attempts = Column(CodingKeys.attempts)
        static let lastError = Column(CodingKeys.lastError)
        static let lastAttemptAt = Column(CodingKeys.lastAttemptAt)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The row it carries.
    public var row: AttendanceRow { AttendanceRow(updateID: updateID, cells: cells) }
}

/// A row of `outgoing_messages`: a reply recorded with the step that produced it, waiting to be
/// sent by `ReplySender`.
public struct OutgoingMessage: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// Order of recording (auto-incremented).
    public var id: Int64?
    /// The chat to send to.
    public var chatID: Int64
    /// The text.
    public var text: String
    /// The keyboard, stored as JSON.
    public var replyMarkup: ReplyMarkup?
    /// When it was recorded.
    public var createdAt: Date
    /// Sends tried so far.
    public var attempts: Int
    /// The last send error, if any.
    public var lastError: String?

    public static let databaseTableName = "outgoing_messages"

    enum CodingKeys: String, CodingKey {
        case id
        case chatID = "chat_id"
        case text
        case replyMarkup = "reply_markup"
        case createdAt = "created_at"
        case attempts
        case lastError = "last_error"
    }

    /// The table's columns.
    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let chatID = Column(CodingKeys.chatID)
        static let attempts = Column(CodingKeys.attempts)
        static let lastError = Column(CodingKeys.lastError)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The reply it carries.
    public var reply: OutgoingReply { OutgoingReply(chatID: chatID, text: text, replyMarkup: replyMarkup) }
}

/// A row of `callback_answers`: the answer to a callback query, recorded with the update that
/// carried it, waiting to be sent by `ReplySender` (`answerCallbackQuery`).
public struct OutgoingCallbackAnswer: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// Order of recording (auto-incremented).
    public var id: Int64?
    /// The callback query answered (unique).
    public var callbackQueryID: String
    /// The notification text, if any.
    public var text: String?
    /// When it was recorded: Telegram accepts an answer only for a short while after the press.
    public var createdAt: Date
    /// Sends tried so far.
    public var attempts: Int
    /// The last send error, if any.
    public var lastError: String?

    public static let databaseTableName = "callback_answers"

    enum CodingKeys: String, CodingKey {
        case id
        case callbackQueryID = "callback_query_id"
        case text
        case createdAt = "created_at"
        case attempts
        case lastError = "last_error"
    }

    /// The table's columns.
    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let createdAt = Column(CodingKeys.createdAt)
        static let attempts = Column(CodingKeys.attempts)
        static let lastError = Column(CodingKeys.lastError)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The answer it carries.
    public var answer: CallbackAnswer { CallbackAnswer(callbackQueryID: callbackQueryID, text: text) }
}
