import Foundation
import GRDB
import Logging
import PostgresNIO

/// `PostgresStore.recordUpdates`'s work inside its one transaction, on one connection: the
/// per-user locks, the de-duplication mark, the user's state and the step's effects. It writes
/// the rows `UpdateTransaction` writes on SQLite, with the same JSON encoders, so that both stores
/// read them back alike.
struct PostgresUpdateTransaction {
    private let connection: PostgresConnection
    private let logger: Logger
    /// The batch's `now`, as stored.
    private let now: String
    private let cellsEncoder = OutboxEntry.databaseJSONEncoder(for: "cells")

    init(connection: PostgresConnection, logger: Logger, now: Date) throws {
        self.connection = connection
        self.logger = logger
        self.now = try PostgresDate.text(now)
    }

    /// Takes the transaction-level advisory lock of each user, in one order shared by every
    /// process (by the lock's key), so that two batches touching the same users wait for each
    /// other instead of deadlocking, and one user's updates are decided one transaction at a time.
    func lockUsers(_ userIDs: [Int64]) async throws {
        guard !userIDs.isEmpty else { return }
        try await connection.query("""
            SELECT pg_advisory_xact_lock(\(PostgresStore.userLockNamespace), k)
            FROM (SELECT DISTINCT hashint8(u) AS k FROM unnest(\(userIDs)) AS u) AS keys ORDER BY k
            """, logger: logger)
    }

    /// Marks `updateID` processed; false when it already was (a redelivery, to any process).
    func markProcessed(updateID: Int64) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO processed_updates (update_id, processed_at) VALUES (\(updateID), \(now)::timestamptz)
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger).collect()
        return !rows.isEmpty
    }

    /// The user's state, as `UpdateTransaction.state` reads it.
    func state(userID: Int64, includingExpired: Bool) async throws -> ConversationState {
        try await Self.state(on: connection, logger: logger, userID: userID, includingExpired: includingExpired)
    }

    /// The user's pending action (live or expired), last action and, when `includingExpired` and
    /// there is no pending action, the tombstone of the one the cleanup job removed: one query.
    static func state(on connection: PostgresConnection, logger: Logger, userID: Int64,
                      includingExpired: Bool) async throws -> ConversationState {
        let rows = try await connection.query("""
            SELECT p.action, metro_stored_date(p.created_at), metro_stored_date(p.expires_at),
                   e.action, metro_stored_date(e.expired_at),
                   l.action, l.site, l.distance_m, metro_stored_date(l.recorded_at)
            FROM (SELECT \(userID)::bigint AS user_id) AS u
            LEFT JOIN pending_actions p ON p.user_id = u.user_id
            LEFT JOIN expired_pending_actions e ON e.user_id = u.user_id
            LEFT JOIN last_actions l ON l.user_id = u.user_id
            """, logger: logger).collect()
        var state = ConversationState()
        guard let row = rows.first else { return state }
        let (pendingAction, createdAt, expiresAt, expiredAction, expiredAt, lastAction, site, distance, recordedAt) =
            try row.decode((String?, String?, String?, String?, String?, String?, String?, Double?, String?).self)
        if let pendingAction, let createdAt, let expiresAt {
            state.pending = PendingAction(userID: userID, action: try action(pendingAction),
                                          createdAt: try PostgresDate.date(createdAt), expiresAt: try PostgresDate.date(expiresAt))
        } else if includingExpired, let expiredAction, let expiredAt {
            let at = try PostgresDate.date(expiredAt)
            state.expired = PendingAction(userID: userID, action: try action(expiredAction), createdAt: at, expiresAt: at)
        }
        if let lastAction, let site, let distance, let recordedAt {
            state.lastAction = LastAction(userID: userID, action: try action(lastAction), site: site,
                                          distanceMetres: distance, recordedAt: try PostgresDate.date(recordedAt))
        }
        return state
    }

    /// Applies a step's effects, then records its replies, in order, and its callback answer.
    func apply(_ step: ConversationStep) async throws {
        for effect in step.effects {
            switch effect {
            case .openPendingAction(let pending):
                try await connection.query("""
                    INSERT INTO pending_actions (user_id, action, created_at, expires_at)
                    VALUES (\(pending.userID), \(pending.action.rawValue),
                            \(try PostgresDate.text(pending.createdAt))::timestamptz, \(try PostgresDate.text(pending.expiresAt))::timestamptz)
                    ON CONFLICT (user_id) DO UPDATE SET
                      action = excluded.action, created_at = excluded.created_at, expires_at = excluded.expires_at
                    """, logger: logger)
                try await connection.query("DELETE FROM expired_pending_actions WHERE user_id = \(pending.userID)", logger: logger)
            case .closePendingAction(let userID):
                try await connection.query("DELETE FROM pending_actions WHERE user_id = \(userID)", logger: logger)
                try await connection.query("DELETE FROM expired_pending_actions WHERE user_id = \(userID)", logger: logger)
            case .enqueueRow(let row):
                let cells = String(decoding: try cellsEncoder.encode(row.cells), as: UTF8.self)
                try await connection.query("""
                    INSERT INTO outbox (update_id, cells, enqueued_at, attempts)
                    VALUES (\(row.updateID), \(cells)::jsonb, \(now)::timestamptz, 0) ON CONFLICT DO NOTHING
                    """, logger: logger)
            case .recordLastAction(let last):
                try await connection.query("""
                    INSERT INTO last_actions (user_id, action, site, distance_m, recorded_at)
                    VALUES (\(last.userID), \(last.action.rawValue), \(last.site), \(last.distanceMetres),
                            \(try PostgresDate.text(last.recordedAt))::timestamptz)
                    ON CONFLICT (user_id) DO UPDATE SET
                      action = excluded.action, site = excluded.site, distance_m = excluded.distance_m,
                      recorded_at = excluded.recorded_at
                    """, logger: logger)
            }
        }
        if !step.replies.isEmpty {
            let markups = try step.replies.map { try $0.replyMarkup.map { try Self.json($0) } ?? "null" }
            // One statement for the step's replies, in order (`WITH ORDINALITY`), so that their
            // ids keep it; a JSON `null` keyboard is stored as SQL NULL.
            try await connection.query("""
                INSERT INTO outgoing_messages (chat_id, text, reply_markup, created_at, attempts)
                SELECT chat_id, text, nullif(markup::jsonb, 'null'::jsonb), \(now)::timestamptz, 0
                FROM unnest(\(step.replies.map(\.chatID)), \(step.replies.map(\.text)), \(markups))
                  WITH ORDINALITY AS r(chat_id, text, markup, n)
                ORDER BY n
                """, logger: logger)
        }
        if let answer = step.callbackAnswer {
            try await connection.query("""
                INSERT INTO callback_answers (callback_query_id, text, created_at, attempts)
                VALUES (\(answer.callbackQueryID), \(answer.text), \(now)::timestamptz, 0) ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    /// A keyboard as the SQLite store encodes it.
    static func json(_ markup: ReplyMarkup) throws -> String {
        String(decoding: try OutgoingMessage.databaseJSONEncoder(for: "reply_markup").encode(markup), as: UTF8.self)
    }

    private static func action(_ raw: String) throws -> AttendanceAction {
        guard let action = AttendanceAction(rawValue: raw) else {
            throw PostgresStoreError.unreadableValue("action \(raw)")
        }
        return action
    }
}
