import Foundation
import GRDB

/// The bot's durable store on SQLite (`BotStore`), for one bot process: migrated on open and never
/// erased. In production one file in WAL mode (`init(path:)`); tests may pass any GRDB writer, an
/// in-memory queue included. Each invariant is kept inside one `write { db in }` transaction:
/// de-duplicating an update, the conversation step, its outbox row, its replies and its callback
/// answer commit together. One process owns the file, so the workers' claims are plain reads.
public final class BotDatabase: BotStore {
    /// The writer every read and write goes through.
    let writer: any DatabaseWriter
    /// Where every write and the workers' reads run (`StoreThread`): one long-lived thread instead
    /// of Dispatch workers that come and go behind GRDB's async queues.
    private let storeThread = StoreThread()

    /// What `recordUpdates` did with one update.
    public typealias UpdateOutcome = Bot.UpdateOutcome

    /// SQLite.
    public var kind: StoreKind { .sqlite }

    /// The only process on the file always leads.
    public func makeLeadership() -> any Leadership { SoleLeadership() }

    /// Runs the migrations that are not applied yet on `writer`, and keeps it.
    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try BotMigrations.migrator.migrate(writer)
    }

    /// Opens (creating if needed) the database at `path` as a WAL pool, creating its directory,
    /// and runs the migrations that are not applied yet.
    public convenience init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: configuration)
        // Durability: WAL with `synchronous = NORMAL`, which GRDB's pool sets when it enables WAL.
        // A commit is in the log file when `write` returns, so an acknowledged update survives
        // SIGKILL or any crash of the process; what NORMAL gives up is the last commits before a
        // power loss or kernel crash, which `FULL` would keep at the price of an `fdatasync` per
        // transaction, serialized on the writer (docs/BENCHMARKS.md, "Decisions the figures
        // support"). Set explicitly so that the choice is visible and tested.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        try self.init(writer: pool)
    }

    deinit {
        storeThread.stop(waiting: false)
    }

    /// Runs `updates` in one write transaction on the store thread; returns once it committed.
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let writer = writer
        return try await storeThread.run { try writer.write(updates) }
    }

    /// Runs `reads` on the store thread, on the writer's connection and outside any explicit
    /// transaction: the workers' reads, which want the latest commits and no reader connection.
    /// Nothing else writes while it runs (every write goes through the same connection), so the
    /// statements of one call see one state.
    func readOnStoreThread<T: Sendable>(_ reads: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let writer = writer
        return try await storeThread.run { try writer.writeWithoutTransaction(reads) }
    }

    /// The identifiers of the applied migrations, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await writer.read { db in try BotMigrations.migrator.appliedIdentifiers(db).sorted() }
    }

    /// The journal mode SQLite reports (`wal`).
    public func journalMode() async throws -> String {
        try await writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: Updates

    /// Records `inputs` in one transaction: for each, unless its `update_id` was already
    /// processed, marks it processed, loads the user's state, asks `decide` for the step and
    /// applies the step's effects, replies and callback answer. Returns once the transaction is committed
    /// (durable), with one outcome per input in order.
    /// - Parameter arrivals: The journal's records of the updates' arrivals, written in the same
    ///   transaction (an update already recorded keeps its first arrival).
    public func recordUpdates(
        _ inputs: [ConversationInput], arrivals: [ReceivedUpdateRecord], now: Date,
        decide: @escaping @Sendable (ConversationState, ConversationInput) -> ConversationStep
    ) async throws -> [UpdateOutcome] {
        try await write { db in
            var transaction = try UpdateTransaction(db)
            let arrivalsByID = ReceivedUpdateRecord.byUpdateID(arrivals, among: inputs)
            for arrival in arrivalsByID.others { try transaction.recordArrival(arrival) }
            var outcomes: [UpdateOutcome] = []
            outcomes.reserveCapacity(inputs.count)
            for input in inputs {
                guard try transaction.markProcessed(updateID: input.updateID, now: now, arrival: arrivalsByID.inputs[input.updateID]) else {
                    outcomes.append(.duplicate)
                    continue
                }
                let isLocation = if case .location = input.event { true } else { false }
                let state = try input.user.map { try transaction.state(userID: $0.id, includingExpired: isLocation) }
                    ?? ConversationState()
                let step = decide(state, input)
                try transaction.apply(step, now: now)
                outcomes.append(.recorded(step))
            }
            return outcomes
        }
    }

    /// Whether `updateID` was recorded (and not yet pruned).
    public func isProcessed(updateID: Int64) async throws -> Bool {
        try await writer.read { db in try ProcessedUpdate.exists(db, key: updateID) }
    }

    /// Deletes de-duplication records older than `cutoff` whose arrival the journal no longer
    /// keeps (`pruneJournal` clears it); returns how many.
    @discardableResult
    public func pruneProcessedUpdates(olderThan cutoff: Date) async throws -> Int {
        try await write { db in
            // A row that still holds its update's arrival stays until the journal's pruning
            // clears the arrival (UPDATE_RETENTION, usually longer than de-duplication needs).
            try ProcessedUpdate.filter(ProcessedUpdate.Columns.processedAt < cutoff && Column("raw") == nil).deleteAll(db)
        }
    }

    // MARK: Dead letters

    /// Records that `updateID` can never be processed, in one transaction: a new dead letter, with
    /// `reply` queued for the user; or, for one already recorded (a redelivery), a new `lastSeen`,
    /// reason and attempt, and no second reply.
    /// - Returns: whether the dead letter is new.
    @discardableResult
    public func recordDeadLetter(updateID: Int64, rawUpdate: String, rejection: UpdateRejection,
                                 reply: OutgoingReply?, now: Date) async throws -> Bool {
        try await write { db in
            if var letter = try DeadLetter.fetchOne(db, key: updateID) {
                letter.lastSeen = max(now, letter.firstSeen)
                letter.attempts += 1
                letter.reasonCode = rejection.code
                letter.reason = rejection.detail
                try letter.update(db)
                return false
            }
            try DeadLetter(updateID: updateID, rawUpdate: rawUpdate, rejection: rejection, now: now).insert(db)
            if let reply {
                var message = OutgoingMessage(chatID: reply.chatID, text: reply.text, replyMarkup: reply.replyMarkup,
                                              createdAt: now, attempts: 0)
                try message.insert(db)
            }
            return true
        }
    }

    /// The newest `limit` dead letters, most recently refused first.
    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try await writer.read { db in
            try DeadLetter.order(DeadLetter.Columns.lastSeen.desc, DeadLetter.Columns.updateID.desc).limit(limit).fetchAll(db)
        }
    }

    /// The dead letter of `updateID`, if any.
    public func deadLetter(updateID: Int64) async throws -> DeadLetter? {
        try await writer.read { db in try DeadLetter.fetchOne(db, key: updateID) }
    }

    /// Deletes the dead letter of `updateID` (it was retried and processed).
    public func deleteDeadLetter(updateID: Int64) async throws {
        try await write { db in _ = try DeadLetter.deleteOne(db, key: updateID) }
    }

    /// How many dead letters there are, and the newest one's time and reason.
    public func deadLetterSummary() async throws -> DeadLetterSummary {
        try await writer.read { db in
            let count = try DeadLetter.fetchCount(db)
            let newest = try DeadLetter.order(DeadLetter.Columns.lastSeen.desc).fetchOne(db)
            return DeadLetterSummary(count: count, lastAt: newest?.lastSeen,
                                     lastReason: newest.map { "\($0.reasonCode.rawValue): \($0.reason)" })
        }
    }

    /// Deletes dead letters last refused before `cutoff`; returns how many.
    @discardableResult
    public func pruneDeadLetters(olderThan cutoff: Date) async throws -> Int {
        try await write { db in
            try DeadLetter.filter(DeadLetter.Columns.lastSeen < cutoff).deleteAll(db)
        }
    }

    // MARK: Event journal

    /// Appends events and the arrivals of updates that were not processed (the store was
    /// unreachable, a dead letter; a processed update's arrival is in its `processed_updates`
    /// row) in one transaction; an update already recorded keeps its first arrival.
    ///
    /// Arrivals go through one cached statement: GRDB's `Codable` insert builds a persistence
    /// container per record, which cost half of the journal's CPU when every update came this
    /// way. The values are encoded as the record's own encoding stores them.
    public func appendJournal(events: [JournalEvent], updates: [ReceivedUpdateRecord]) async throws {
        try await write { db in
            for event in events { try event.insert(db) }
            guard !updates.isEmpty else { return }
            let statement = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO received_updates (update_id, received_at, source, raw) VALUES (?, ?, ?, ?)
                """)
            for update in updates {
                try statement.execute(arguments: [update.updateID, update.receivedAt, update.source, update.raw])
            }
        }
    }

    /// The events from `start` up to `end`, oldest first, at most `limit` (nil: all).
    public func events(from start: Date, to end: Date, limit: Int?) async throws -> [JournalEvent] {
        try await writer.read { db in
            try JournalEvent.filter(JournalEvent.Columns.at >= start && JournalEvent.Columns.at <= end)
                .order(JournalEvent.Columns.at, Column.rowID).limit(limit ?? Int.max).fetchAll(db)
        }
    }

    /// The newest `limit` events other than attendance, newest first.
    public func recentEvents(limit: Int) async throws -> [JournalEvent] {
        try await writer.read { db in
            try JournalEvent.filter(Column("kind") != JournalEvent.Kind.attendance.rawValue)
                .order(JournalEvent.Columns.at.desc, Column.rowID.desc).limit(limit).fetchAll(db)
        }
    }

    /// How many updates arrived in each minute from `start` on, oldest first (`yyyy-MM-dd HH:mm`, UTC).
    public func arrivalsPerMinute(since start: Date) async throws -> [(minute: String, count: Int)] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT substr(received_at, 1, 16) AS minute, count(*) AS n FROM (\(Self.arrivalsSQL))
                GROUP BY minute ORDER BY minute
                """, arguments: Self.arrivalsArguments(from: start, to: .distantFuture)).map { (minute: $0["minute"], count: $0["n"]) }
        }
    }

    /// The updates that arrived from `start` up to `end`, in order of arrival.
    public func receivedUpdates(from start: Date, to end: Date) async throws -> [ReceivedUpdateRecord] {
        try await writer.read { db in
            try ReceivedUpdateRecord.fetchAll(db, sql: "\(Self.arrivalsSQL) ORDER BY received_at, update_id",
                                              arguments: Self.arrivalsArguments(from: start, to: end))
        }
    }

    /// Each update's first arrival in a window (`:start`, `:end`): from the row that marked it
    /// processed, or from `received_updates` (an arrival that was not processed then), whichever
    /// is earlier. `processed_at >= :start` follows from the arrival's (an update is processed
    /// after it arrives) and lets the scan use `processed_at`'s index.
    private static let arrivalsSQL = """
        SELECT update_id, received_at, source, raw FROM processed_updates p
        WHERE p.processed_at >= :start AND p.received_at >= :start AND p.received_at <= :end AND p.raw IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM received_updates r WHERE r.update_id = p.update_id AND r.received_at < p.received_at)
        UNION ALL
        SELECT update_id, received_at, source, raw FROM received_updates r
        WHERE r.received_at >= :start AND r.received_at <= :end
          AND NOT EXISTS (SELECT 1 FROM processed_updates p WHERE p.update_id = r.update_id AND p.raw IS NOT NULL
                          AND p.received_at <= r.received_at)
        """

    private static func arrivalsArguments(from start: Date, to end: Date) -> StatementArguments {
        ["start": start, "end": end]
    }

    /// Deletes events and received updates older than `cutoff`, then the oldest of each beyond
    /// `maximumRows`, and clears the arrivals kept in `processed_updates` the same way (the rows
    /// stay for de-duplication); returns how many rows were deleted or cleared.
    @discardableResult
    public func pruneJournal(olderThan cutoff: Date, keepingAtMost maximumRows: Int) async throws -> Int {
        try await write { db in
            var deleted = try JournalEvent.filter(JournalEvent.Columns.at < cutoff).deleteAll(db)
            deleted += try ReceivedUpdateRecord.filter(ReceivedUpdateRecord.Columns.receivedAt < cutoff).deleteAll(db)
            // An arrival kept in its processed_updates row is cleared, not deleted: the row may
            // still de-duplicate (`pruneProcessedUpdates` deletes it once it has no arrival).
            try db.execute(sql: """
                UPDATE processed_updates SET received_at = NULL, source = NULL, raw = NULL
                WHERE raw IS NOT NULL AND received_at < ?
                """, arguments: [cutoff])
            deleted += db.changesCount
            try db.execute(sql: """
                DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)
                """, arguments: [maximumRows])
            deleted += db.changesCount
            try db.execute(sql: """
                DELETE FROM received_updates WHERE rowid IN (
                  SELECT rowid FROM received_updates ORDER BY received_at DESC, update_id DESC LIMIT -1 OFFSET ?)
                """, arguments: [maximumRows])
            deleted += db.changesCount
            try db.execute(sql: """
                UPDATE processed_updates SET received_at = NULL, source = NULL, raw = NULL WHERE update_id IN (
                  SELECT update_id FROM processed_updates WHERE raw IS NOT NULL
                  ORDER BY received_at DESC, update_id DESC LIMIT -1 OFFSET ?)
                """, arguments: [maximumRows])
            deleted += db.changesCount
            return deleted
        }
    }

    // MARK: Pending actions

    /// The user's pending action and last action.
    public func conversationState(userID: Int64) async throws -> ConversationState {
        try await writer.read { db in
            ConversationState(pending: try PendingAction.fetchOne(db, key: userID),
                              lastAction: try LastAction.fetchOne(db, key: userID))
        }
    }

    /// How many pending actions the store holds, live or expired.
    public func pendingActionCount() async throws -> Int {
        try await writer.read { db in try PendingAction.fetchCount(db) }
    }

    /// Deletes pending actions that expired at or before `now`, leaving a tombstone of each (so
    /// that a late location still hears that its request expired), and deletes tombstones older
    /// than `tombstoneRetention`; returns how many pending actions were deleted.
    @discardableResult
    public func deleteExpiredPendingActions(now: Date, tombstoneRetention: Duration) async throws -> Int {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO expired_pending_actions (user_id, action, expired_at)
                SELECT user_id, action, expires_at FROM pending_actions WHERE expires_at <= ?
                ON CONFLICT (user_id) DO UPDATE SET action = excluded.action, expired_at = excluded.expired_at
                """, arguments: [now])
            try db.execute(sql: "DELETE FROM expired_pending_actions WHERE expired_at < ?",
                           arguments: [now.addingTimeInterval(-tombstoneRetention.timeInterval)])
            return try PendingAction.filter(PendingAction.Columns.expiresAt <= now).deleteAll(db)
        }
    }

    /// Stores many pending actions in one transaction (benchmarks and tests that need a large
    /// store).
    public func insertPendingActions(_ actions: [PendingAction]) async throws {
        try await write { db in
            for action in actions { try action.upsert(db) }
        }
    }

    // MARK: Outbox

    /// The oldest `limit` queued rows, in order of enqueueing.
    public func queuedRows(limit: Int) async throws -> [OutboxEntry] {
        try await readOnStoreThread { db in try Self.queuedRows(db, limit: limit) }
    }

    private static func queuedRows(_ db: Database, limit: Int) throws -> [OutboxEntry] {
        let statement = try db.cachedStatement(sql: """
            SELECT id, update_id, cells, enqueued_at, attempts, last_error, last_attempt_at
            FROM outbox ORDER BY id LIMIT ?
            """)
        return try OutboxEntry.fetchAll(statement, arguments: [limit])
    }

    /// The oldest `limit` queued rows, with an append attempt starting at `startedAt` counted for
    /// each in the same transaction (as `recordAppendAttempt` counts it) when given: what the
    /// outbox worker appends next. The rows are returned as read, before the count. The only
    /// worker is this process's, so nothing is leased and no claim is ever abandoned.
    public func claimQueuedRows(limit: Int, countingAttemptAt startedAt: Date?) async throws -> [OutboxEntry] {
        guard let startedAt else { return try await queuedRows(limit: limit) }
        return try await write { db in
            let rows = try Self.queuedRows(db, limit: limit)
            try Self.countAppendAttempt(db, updateIDs: rows.map(\.updateID), startedAt: startedAt)
            return rows
        }
    }

    /// Whether a queued row was already tried, so Sheets may hold it.
    public func hasAttemptedRows() async throws -> Bool {
        try await readOnStoreThread { db in try OutboxEntry.filter(OutboxEntry.Columns.attempts > 0).fetchCount(db) > 0 }
    }

    /// How many rows are queued and when the oldest was enqueued.
    public func outboxStatus() async throws -> (queued: Int, oldestEnqueuedAt: Date?) {
        try await readOnStoreThread { db in
            let count = try OutboxEntry.fetchCount(db)
            let oldest = try Date.fetchOne(db, OutboxEntry.select(min(OutboxEntry.Columns.enqueuedAt)))
            return (count, oldest)
        }
    }

    /// Counts an append attempt for `updateIDs` *before* it is sent, with its start time, so that
    /// a crash during the append leaves a trace (`attempts > 0`, `last_attempt_at`) that makes the
    /// next start wait for that append to settle and check the sheet first.
    public func recordAppendAttempt(updateIDs: [Int64], startedAt: Date) async throws {
        try await write { db in try Self.countAppendAttempt(db, updateIDs: updateIDs, startedAt: startedAt) }
    }

    private static func countAppendAttempt(_ db: Database, updateIDs: [Int64], startedAt: Date) throws {
        guard !updateIDs.isEmpty else { return }
        let statement = try db.cachedStatement(sql: """
            UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE update_id = ?
            """)
        let startedAt = startedAt.databaseValue
        for updateID in updateIDs { try statement.execute(arguments: [startedAt, updateID]) }
    }

    /// Records why the append of `updateIDs` failed; the rows stay queued.
    public func recordAppendFailure(updateIDs: [Int64], error: String) async throws {
        try await write { db in
            _ = try OutboxEntry.filter(updateIDs.contains(OutboxEntry.Columns.updateID))
                .updateAll(db, OutboxEntry.Columns.lastError.set(to: error))
        }
    }

    /// Deletes rows Sheets confirmed (or already holds); returns how many were deleted.
    @discardableResult
    public func deleteAppendedRows(updateIDs: [Int64]) async throws -> Int {
        guard !updateIDs.isEmpty else { return 0 }
        return try await write { db in try Self.delete(db, ids: updateIDs, sql: "DELETE FROM outbox WHERE update_id = ?") }
    }

    // MARK: Outgoing messages

    /// The oldest `limit` messages waiting to be sent, in order of recording.
    ///
    /// Read through a cached statement, decoding each distinct keyboard once per call: nearly
    /// every reply carries one of a few constant keyboards, and a `JSONDecoder` run per message
    /// showed in the reply path's profile.
    public func queuedMessages(limit: Int) async throws -> [OutgoingMessage] {
        try await readOnStoreThread { db in try Self.queuedMessages(db, limit: limit) }
    }

    /// The oldest `limit` callback answers and the oldest `limit` messages waiting to be sent, in
    /// one store call: what the reply sender reads at the start of each pass. The only sender is
    /// this process's, so the claim is a plain read.
    public func claimQueuedReplies(limit: Int) async throws -> (answers: [OutgoingCallbackAnswer], messages: [OutgoingMessage]) {
        try await readOnStoreThread { db in
            (try Self.queuedCallbackAnswers(db, limit: limit), try Self.queuedMessages(db, limit: limit))
        }
    }

    private static func queuedMessages(_ db: Database, limit: Int) throws -> [OutgoingMessage] {
        let statement = try db.cachedStatement(sql: """
            SELECT id, chat_id, text, reply_markup, created_at, attempts, last_error
            FROM outgoing_messages ORDER BY id LIMIT ?
            """)
        let decoder = OutgoingMessage.databaseJSONDecoder(for: "reply_markup")
        var markups: [String: ReplyMarkup] = [:]
        var messages: [OutgoingMessage] = []
        let rows = try Row.fetchCursor(statement, arguments: [limit])
        while let row = try rows.next() {
            var markup: ReplyMarkup?
            if let json: String = row[3] {
                if let known = markups[json] {
                    markup = known
                } else {
                    let decoded = try decoder.decode(ReplyMarkup.self, from: Data(json.utf8))
                    markups[json] = decoded
                    markup = decoded
                }
            }
            guard let createdAt = Date.fromDatabaseValue(row[4]) else {
                throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "outgoing message \(row[0] as Int64) has no valid created_at")
            }
            messages.append(OutgoingMessage(id: row[0], chatID: row[1], text: row[2], replyMarkup: markup,
                                            createdAt: createdAt, attempts: row[5], lastError: row[6]))
        }
        return messages
    }

    /// Deletes the messages and callback answers Telegram accepted (or that can never be sent),
    /// in one transaction.
    public func deleteSentReplies(messageIDs: [Int64], answerIDs: [Int64]) async throws {
        guard !messageIDs.isEmpty || !answerIDs.isEmpty else { return }
        try await write { db in
            try Self.delete(db, ids: answerIDs, sql: "DELETE FROM callback_answers WHERE id = ?")
            try Self.delete(db, ids: messageIDs, sql: "DELETE FROM outgoing_messages WHERE id = ?")
        }
    }

    /// Runs the cached one-row `sql` (`DELETE … WHERE key = ?`) for each of `ids`; returns how
    /// many rows it deleted.
    @discardableResult
    private static func delete(_ db: Database, ids: [Int64], sql: String) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let statement = try db.cachedStatement(sql: sql)
        var deleted = 0
        for id in ids {
            try statement.execute(arguments: [id])
            deleted += db.changesCount
        }
        return deleted
    }

    /// How many messages wait to be sent.
    public func queuedMessageCount() async throws -> Int {
        try await writer.read { db in try OutgoingMessage.fetchCount(db) }
    }

    /// Records a failed send of message `id`; it stays queued.
    public func recordSendFailure(id: Int64, error: String) async throws {
        try await write { db in
            _ = try OutgoingMessage.filter(key: id)
                .updateAll(db, OutgoingMessage.Columns.attempts += 1, OutgoingMessage.Columns.lastError.set(to: error))
        }
    }

    // MARK: Callback answers

    /// The oldest `limit` callback answers waiting to be sent, in order of recording.
    public func queuedCallbackAnswers(limit: Int) async throws -> [OutgoingCallbackAnswer] {
        try await readOnStoreThread { db in try Self.queuedCallbackAnswers(db, limit: limit) }
    }

    private static func queuedCallbackAnswers(_ db: Database, limit: Int) throws -> [OutgoingCallbackAnswer] {
        let statement = try db.cachedStatement(sql: """
            SELECT id, callback_query_id, text, created_at, attempts, last_error FROM callback_answers ORDER BY id LIMIT ?
            """)
        return try OutgoingCallbackAnswer.fetchAll(statement, arguments: [limit])
    }

    /// How many callback answers wait to be sent.
    public func queuedCallbackAnswerCount() async throws -> Int {
        try await writer.read { db in try OutgoingCallbackAnswer.fetchCount(db) }
    }

    /// Deletes callback answers recorded before `cutoff`, which Telegram would refuse as too old;
    /// returns how many.
    @discardableResult
    public func deleteCallbackAnswers(recordedBefore cutoff: Date) async throws -> Int {
        try await write { db in
            try OutgoingCallbackAnswer.filter(OutgoingCallbackAnswer.Columns.createdAt < cutoff).deleteAll(db)
        }
    }

    /// Records a failed send of callback answer `id`; it stays queued.
    public func recordCallbackAnswerFailure(id: Int64, error: String) async throws {
        try await write { db in
            _ = try OutgoingCallbackAnswer.filter(key: id)
                .updateAll(db, OutgoingCallbackAnswer.Columns.attempts += 1, OutgoingCallbackAnswer.Columns.lastError.set(to: error))
        }
    }

    /// Closes the pool; later calls fail. Call once every service stopped.
    public func close() throws {
        storeThread.stop(waiting: true)
        try writer.close()
    }
}
