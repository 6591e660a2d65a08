import Foundation
import GRDB
import Logging
import PostgresNIO

/// `PostgresStore.recordUpdates`'s work inside its one transaction, on one connection: the
/// per-user locks, the de-duplication marks, the users' state and the steps' effects. It writes
/// the rows `UpdateTransaction` writes on SQLite, with the same JSON encoders, so that both stores
/// read them back alike.
///
/// Where SQLite pays nothing for a statement, each statement here is a round trip to the server,
/// so the work is set-based: a batch costs the same dozen statements whether it holds one update
/// or a hundred. The users' state is read once, each step is decided against the state the steps
/// before it left (`PostgresBatchChanges`, in memory), and their net effect is written at the end.
struct PostgresUpdateTransaction {
    private let connection: PostgresConnection
    private let logger: Logger
    /// The batch's `now`, as stored.
    private let now: String

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

    /// Marks the updates processed, each with its arrival when `arrivals` has one (stored no
    /// later than `now`, as SQLite does); answers those this call marked. An update missing from
    /// the answer was already processed (a redelivery, to any process; its arrival is not kept).
    func markProcessed(_ updateIDs: [Int64], arrivals: [Int64: ReceivedUpdateRecord]) async throws -> Set<Int64> {
        guard !updateIDs.isEmpty else { return [] }
        let ids = Array(Set(updateIDs))
        let kept = ids.map { arrivals[$0] }
        // Arrays cross the wire without NULLs: `has_arrival` says which entries are real.
        let rows = try await connection.query("""
            INSERT INTO processed_updates (update_id, processed_at, received_at, source, raw)
            SELECT u, \(now)::timestamptz,
                   CASE WHEN has_arrival THEN least(received_at::timestamptz, \(now)::timestamptz) END,
                   CASE WHEN has_arrival THEN source END, CASE WHEN has_arrival THEN raw END
            FROM unnest(\(ids), \(kept.map { $0 != nil }), \(try kept.map { try $0.map { try PostgresDate.text($0.receivedAt) } ?? now }),
                        \(kept.map { $0?.source.rawValue ?? "" }), \(kept.map { $0?.raw ?? "" }))
              AS a(u, has_arrival, received_at, source, raw)
            ON CONFLICT DO NOTHING RETURNING update_id
            """, logger: logger)
        var marked: Set<Int64> = []
        for try await updateID in rows.decode(Int64.self) { marked.insert(updateID) }
        return marked
    }

    /// The users' stored state, each with its tombstone whether or not it has a pending action
    /// (`PostgresBatchChanges.state(userID:includingExpired:)` makes the view a step sees).
    func states(userIDs: [Int64]) async throws -> [Int64: ConversationState] {
        try await Self.states(on: connection, logger: logger, userIDs: userIDs)
    }

    /// The user's state, as `UpdateTransaction.state` reads it: the pending action (live or
    /// expired), the last action and, when `includingExpired` and there is no pending action, the
    /// tombstone of the one the cleanup job removed.
    static func state(on connection: PostgresConnection, logger: Logger, userID: Int64,
                      includingExpired: Bool) async throws -> ConversationState {
        let stored = try await states(on: connection, logger: logger, userIDs: [userID])[userID] ?? ConversationState()
        return PostgresBatchChanges.view(of: stored, includingExpired: includingExpired)
    }

    /// The stored state of each user, in one query.
    private static func states(on connection: PostgresConnection, logger: Logger,
                               userIDs: [Int64]) async throws -> [Int64: ConversationState] {
        guard !userIDs.isEmpty else { return [:] }
        let rows = try await connection.query("""
            SELECT u.user_id, p.action, metro_stored_date(p.created_at), metro_stored_date(p.expires_at),
                   e.action, metro_stored_date(e.expired_at),
                   l.action, l.site, l.distance_m, metro_stored_date(l.recorded_at)
            FROM unnest(\(userIDs)) AS u(user_id)
            LEFT JOIN pending_actions p ON p.user_id = u.user_id
            LEFT JOIN expired_pending_actions e ON e.user_id = u.user_id
            LEFT JOIN last_actions l ON l.user_id = u.user_id
            """, logger: logger)
        var states: [Int64: ConversationState] = [:]
        for try await (userID, pendingAction, createdAt, expiresAt, expiredAction, expiredAt, lastAction, site, distance, recordedAt)
            in rows.decode((Int64, String?, String?, String?, String?, String?, String?, String?, Double?, String?).self) {
            var state = ConversationState()
            if let pendingAction, let createdAt, let expiresAt {
                state.pending = PendingAction(userID: userID, action: try action(pendingAction),
                                              createdAt: try PostgresDate.date(createdAt), expiresAt: try PostgresDate.date(expiresAt))
            }
            if let expiredAction, let expiredAt {
                let at = try PostgresDate.date(expiredAt)
                state.expired = PendingAction(userID: userID, action: try action(expiredAction), createdAt: at, expiresAt: at)
            }
            if let lastAction, let site, let distance, let recordedAt {
                state.lastAction = LastAction(userID: userID, action: try action(lastAction), site: site,
                                              distanceMetres: distance, recordedAt: try PostgresDate.date(recordedAt))
            }
            states[userID] = state
        }
        return states
    }

    /// Writes the batch's net effect: a statement per kind of row, each for every user or row at
    /// once. Replies keep the batch's order (`WITH ORDINALITY`), so that their ids do.
    func write(_ changes: PostgresBatchChanges) async throws {
        let closed = changes.pending.filter { $0.value == nil }.map(\.key)
        if !closed.isEmpty {
            try await connection.query("DELETE FROM pending_actions WHERE user_id = ANY(\(closed))", logger: logger)
        }
        let opened = changes.pending.compactMap(\.value)
        if !opened.isEmpty {
            try await connection.query("""
                INSERT INTO pending_actions (user_id, action, created_at, expires_at)
                SELECT user_id, action, created_at::timestamptz, expires_at::timestamptz
                FROM unnest(\(opened.map(\.userID)), \(opened.map(\.action.rawValue)),
                            \(try opened.map { try PostgresDate.text($0.createdAt) }), \(try opened.map { try PostgresDate.text($0.expiresAt) }))
                  AS p(user_id, action, created_at, expires_at)
                ON CONFLICT (user_id) DO UPDATE SET
                  action = excluded.action, created_at = excluded.created_at, expires_at = excluded.expires_at
                """, logger: logger)
        }
        // Opening or closing a pending action removes the tombstone the cleanup job left.
        if !changes.pending.isEmpty {
            try await connection.query("""
                DELETE FROM expired_pending_actions WHERE user_id = ANY(\(Array(changes.pending.keys)))
                """, logger: logger)
        }
        let lastActions = Array(changes.lastActions.values)
        if !lastActions.isEmpty {
            try await connection.query("""
                INSERT INTO last_actions (user_id, action, site, distance_m, recorded_at)
                SELECT user_id, action, site, distance_m, recorded_at::timestamptz
                FROM unnest(\(lastActions.map(\.userID)), \(lastActions.map(\.action.rawValue)), \(lastActions.map(\.site)),
                            \(lastActions.map(\.distanceMetres)), \(try lastActions.map { try PostgresDate.text($0.recordedAt) }))
                  AS l(user_id, action, site, distance_m, recorded_at)
                ON CONFLICT (user_id) DO UPDATE SET
                  action = excluded.action, site = excluded.site, distance_m = excluded.distance_m,
                  recorded_at = excluded.recorded_at
                """, logger: logger)
        }
        if !changes.rows.isEmpty {
            let encoder = OutboxEntry.databaseJSONEncoder(for: "cells")
            let cells = try changes.rows.map { String(decoding: try encoder.encode($0.cells), as: UTF8.self) }
            try await connection.query("""
                INSERT INTO outbox (update_id, cells, enqueued_at, attempts)
                SELECT update_id, cells::jsonb, \(now)::timestamptz, 0
                FROM unnest(\(changes.rows.map(\.updateID)), \(cells)) AS r(update_id, cells)
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        if !changes.replies.isEmpty {
            let markups = try changes.replies.map { try $0.replyMarkup.map { try Self.json($0) } ?? "null" }
            // A JSON `null` keyboard is stored as SQL NULL.
            try await connection.query("""
                INSERT INTO outgoing_messages (chat_id, text, reply_markup, created_at, attempts)
                SELECT chat_id, text, nullif(markup::jsonb, 'null'::jsonb), \(now)::timestamptz, 0
                FROM unnest(\(changes.replies.map(\.chatID)), \(changes.replies.map(\.text)), \(markups))
                  WITH ORDINALITY AS r(chat_id, text, markup, n)
                ORDER BY n
                """, logger: logger)
        }
        if !changes.callbackAnswers.isEmpty {
            let answers = changes.callbackAnswers
            // An answer without text (it only stops the button's spinner) has NULL text; arrays
            // cross the wire without NULLs, so a second array says which texts are there.
            try await connection.query("""
                INSERT INTO callback_answers (callback_query_id, text, created_at, attempts)
                SELECT id, CASE WHEN has_text THEN text END, \(now)::timestamptz, 0
                FROM unnest(\(answers.map(\.callbackQueryID)), \(answers.map { $0.text ?? "" }), \(answers.map { $0.text != nil }))
                  AS a(id, text, has_text)
                ON CONFLICT DO NOTHING
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

/// A batch's steps, applied in memory: the state each step leaves for the next (what SQLite's
/// `UpdateTransaction` would read back from its own writes), and the net change to write.
///
/// Dates pass through their stored form (milliseconds) on the way in, so a later step in the
/// batch sees exactly what it would read back from the database.
struct PostgresBatchChanges {
    /// Each user's state as the batch has left it so far, tombstone included.
    private var states: [Int64: ConversationState]
    /// The users whose pending action the batch opened (the action) or closed (nil).
    private(set) var pending: [Int64: PendingAction?] = [:]
    /// The users' last actions, as the batch recorded them last.
    private(set) var lastActions: [Int64: LastAction] = [:]
    /// The rows to queue, in order.
    private(set) var rows: [AttendanceRow] = []
    /// The replies to send, in order.
    private(set) var replies: [OutgoingReply] = []
    /// The callback answers to send.
    private(set) var callbackAnswers: [CallbackAnswer] = []

    /// Starts from the users' stored state (`PostgresUpdateTransaction.states`).
    init(stored states: [Int64: ConversationState]) {
        self.states = states
    }

    /// The state a step for `userID` sees.
    func state(userID: Int64, includingExpired: Bool) -> ConversationState {
        Self.view(of: states[userID] ?? ConversationState(), includingExpired: includingExpired)
    }

    /// What a step sees of a stored state: the tombstone only for a location, and only when
    /// there is no pending action.
    static func view(of stored: ConversationState, includingExpired: Bool) -> ConversationState {
        var state = stored
        if !includingExpired || state.pending != nil { state.expired = nil }
        return state
    }

    /// Applies the step's effects, in order, and gathers its messages.
    mutating func apply(_ step: ConversationStep) throws {
        for effect in step.effects {
            switch effect {
            case .openPendingAction(var action):
                action.createdAt = try PostgresDate.stored(action.createdAt)
                action.expiresAt = try PostgresDate.stored(action.expiresAt)
                states[action.userID, default: ConversationState()].pending = action
                states[action.userID]?.expired = nil
                pending[action.userID] = .some(action)
            case .closePendingAction(let userID):
                states[userID, default: ConversationState()].pending = nil
                states[userID]?.expired = nil
                pending[userID] = .some(nil)
            case .enqueueRow(let row):
                rows.append(row)
            case .recordLastAction(var last):
                last.recordedAt = try PostgresDate.stored(last.recordedAt)
                states[last.userID, default: ConversationState()].lastAction = last
                lastActions[last.userID] = last
            }
        }
        replies += step.replies
        if let answer = step.callbackAnswer { callbackAnswers.append(answer) }
    }
}
