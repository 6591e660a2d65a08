import Foundation
import GRDB

/// The hot path of `BotDatabase.recordUpdates`: one write transaction's worth of cached prepared
/// statements, and of the values that repeat across the updates of a batch.
///
/// The Codable records (`PendingAction`, `OutboxEntry`, …) stay the schema's description and are
/// used everywhere else; here each update would otherwise pay for GRDB's query generation, SQL
/// authorization, a `RecordEncoder`, a `JSONEncoder` per stored keyboard and a `DateFormatter`
/// call per date column (profiled: most of the intake's CPU). The statements below write exactly
/// the rows those records write, in the same formats (GRDB's date text, GRDB's JSON encoder
/// settings), so that the records read them back unchanged.
struct UpdateTransaction {
    private let db: Database
    private let markProcessed: Statement
    private let selectPending: Statement
    private let selectLastAction: Statement
    private let upsertPending: Statement
    private let deletePending: Statement
    private let deleteExpiredPending: Statement
    private let insertOutboxRow: Statement
    private let upsertLastAction: Statement
    private let insertMessage: Statement
    private let insertArrival: Statement
    private let cellsEncoder = OutboxEntry.databaseJSONEncoder(for: "cells")
    private let markupEncoder = OutgoingMessage.databaseJSONEncoder(for: "reply_markup")
    /// Dates already written as GRDB's `yyyy-MM-dd HH:mm:ss.SSS` text: a batch's `now`, its
    /// expiry and the messages' send times repeat from one update to the next.
    private var storedDates: [(date: Date, value: DatabaseValue)] = []
    /// Keyboards already encoded: a handful of constant ones cover nearly every reply.
    private var storedMarkups: [(markup: ReplyMarkup, value: DatabaseValue)] = []

    /// Prepares (or takes from the connection's statement cache) every statement of the path.
    init(_ db: Database) throws {
        self.db = db
        markProcessed = try db.cachedStatement(sql: """
            INSERT INTO processed_updates (update_id, processed_at, received_at, source, raw) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """)
        selectPending = try db.cachedStatement(sql: """
            SELECT action, created_at, expires_at FROM pending_actions WHERE user_id = ?
            """)
        selectLastAction = try db.cachedStatement(sql: """
            SELECT action, site, distance_m, recorded_at FROM last_actions WHERE user_id = ?
            """)
        upsertPending = try db.cachedStatement(sql: """
            INSERT INTO pending_actions (user_id, action, created_at, expires_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
              action = excluded.action, created_at = excluded.created_at, expires_at = excluded.expires_at
            """)
        deletePending = try db.cachedStatement(sql: "DELETE FROM pending_actions WHERE user_id = ?")
        deleteExpiredPending = try db.cachedStatement(sql: "DELETE FROM expired_pending_actions WHERE user_id = ?")
        insertOutboxRow = try db.cachedStatement(sql: """
            INSERT INTO outbox (update_id, cells, enqueued_at, attempts) VALUES (?, ?, ?, 0) ON CONFLICT DO NOTHING
            """)
        upsertLastAction = try db.cachedStatement(sql: """
            INSERT INTO last_actions (user_id, action, site, distance_m, recorded_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
              action = excluded.action, site = excluded.site, distance_m = excluded.distance_m,
              recorded_at = excluded.recorded_at
            """)
        insertMessage = try db.cachedStatement(sql: """
            INSERT INTO outgoing_messages (chat_id, text, reply_markup, created_at, attempts) VALUES (?, ?, ?, ?, 0)
            """)
        insertArrival = try db.cachedStatement(sql: """
            INSERT INTO received_updates (update_id, received_at, source, raw) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING
            """)
    }

    /// Journals the arrival of an update that is not in the batch's inputs, unless an earlier
    /// arrival of it is kept (a redelivery).
    mutating func recordArrival(_ arrival: ReceivedUpdateRecord) throws {
        try insertArrival.execute(arguments: [arrival.updateID, try stored(arrival.receivedAt), arrival.source, arrival.raw])
    }

    /// Marks `updateID` processed at `now`, with its arrival when given; false when it already
    /// was (a redelivery, whose arrival is not kept: the first one is). An arrival is stored no
    /// later than `now`, so that reads by arrival time may use `processed_at`'s index.
    mutating func markProcessed(updateID: Int64, now: Date, arrival: ReceivedUpdateRecord? = nil) throws -> Bool {
        try markProcessed.execute(arguments: [
            updateID, try stored(now), try arrival.map { try stored(min($0.receivedAt, now)) }, arrival?.source, arrival?.raw,
        ])
        return db.changesCount > 0
    }

    /// The user's pending action (live or expired), last action and, when `includingExpired` and
    /// there is no pending action, the tombstone of the one the cleanup job removed.
    func state(userID: Int64, includingExpired: Bool) throws -> ConversationState {
        var state = ConversationState()
        if let row = try Row.fetchOne(selectPending, arguments: [userID]) {
            state.pending = PendingAction(userID: userID, action: try Self.action(row[0]),
                                          createdAt: try Self.date(row[1]), expiresAt: try Self.date(row[2]))
        } else if includingExpired {
            // Only a location reads it, and only without a pending action: off the common path.
            let statement = try db.cachedStatement(sql: "SELECT action, expired_at FROM expired_pending_actions WHERE user_id = ?")
            if let row = try Row.fetchOne(statement, arguments: [userID]) {
                let expiredAt = try Self.date(row[1])
                state.expired = PendingAction(userID: userID, action: try Self.action(row[0]),
                                              createdAt: expiredAt, expiresAt: expiredAt)
            }
        }
        if let row = try Row.fetchOne(selectLastAction, arguments: [userID]) {
            state.lastAction = LastAction(userID: userID, action: try Self.action(row[0]), site: row[1],
                                          distanceMetres: row[2], recordedAt: try Self.date(row[3]))
        }
        return state
    }

    /// Applies a step's effects, then records its replies, in order, and its callback answer.
    mutating func apply(_ step: ConversationStep, now: Date) throws {
        for effect in step.effects {
            switch effect {
            case .openPendingAction(let pending):
                try upsertPending.execute(arguments: [
                    pending.userID, pending.action.rawValue, try stored(pending.createdAt), try stored(pending.expiresAt),
                ])
                try deleteExpiredPending.execute(arguments: [pending.userID])
            case .closePendingAction(let userID):
                try deletePending.execute(arguments: [userID])
                try deleteExpiredPending.execute(arguments: [userID])
            case .enqueueRow(let row):
                let cells = String(decoding: try cellsEncoder.encode(row.cells), as: UTF8.self)
                try insertOutboxRow.execute(arguments: [row.updateID, cells, try stored(now)])
            case .recordLastAction(let last):
                try upsertLastAction.execute(arguments: [
                    last.userID, last.action.rawValue, last.site, last.distanceMetres, try stored(last.recordedAt),
                ])
            }
        }
        for reply in step.replies {
            let markup = try reply.replyMarkup.map { try stored($0) } ?? .null
            try insertMessage.execute(arguments: [reply.chatID, reply.text, markup, try stored(now)])
        }
        if let answer = step.callbackAnswer {
            // Rare (presses on old inline buttons): prepared on first use, then cached.
            try db.cachedStatement(sql: """
                INSERT INTO callback_answers (callback_query_id, text, created_at, attempts) VALUES (?, ?, ?, 0)
                ON CONFLICT DO NOTHING
                """).execute(arguments: [answer.callbackQueryID, answer.text, try stored(now)])
        }
    }

    /// The date as stored; throws for a date the store could not read back (`StoredDate`).
    private mutating func stored(_ date: Date) throws -> DatabaseValue {
        if let known = storedDates.first(where: { $0.date == date }) { return known.value }
        guard StoredDate.isStorable(date) else { throw UnstorableDate(date: date) }
        let value = date.databaseValue
        if storedDates.count == 8 { storedDates.removeFirst() }
        storedDates.append((date, value))
        return value
    }

    private mutating func stored(_ markup: ReplyMarkup) throws -> DatabaseValue {
        if let known = storedMarkups.first(where: { $0.markup == markup }) { return known.value }
        let value = String(decoding: try markupEncoder.encode(markup), as: UTF8.self).databaseValue
        if storedMarkups.count == 8 { storedMarkups.removeFirst() }
        storedMarkups.append((markup, value))
        return value
    }

    private static func action(_ value: DatabaseValue) throws -> AttendanceAction {
        guard let raw = String.fromDatabaseValue(value), let action = AttendanceAction(rawValue: raw) else {
            throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "stored action \(value) is not check_in or check_out")
        }
        return action
    }

    private static func date(_ value: DatabaseValue) throws -> Date {
        guard let date = Date.fromDatabaseValue(value) else {
            throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "stored date \(value) is not a date")
        }
        return date
    }
}
