import Foundation
import GRDB
import Logging
import MetroSupport
import PostgresNIO
import Synchronization

/// The bot's durable store on PostgreSQL (`BotStore`), shared by every bot process that points
/// `DATABASE_URL` at the same database. The semantics are `BotDatabase`'s; what sharing adds
/// (docs/Store.md):
///
/// - **De-duplication** is the database's: `recordUpdates` inserts each `update_id` into
///   `processed_updates` with `ON CONFLICT DO NOTHING` inside the batch's one transaction, so
///   whichever process Telegram delivers an update to, it is processed once.
/// - **Conversation state** (`pending_actions`, `last_actions`) is shared. The batch's transaction
///   first takes a transaction-level advisory lock per user (in one global order, so two batches
///   cannot deadlock), so two processes handling the same user's updates take turns, as the one
///   SQLite writer makes them.
/// - **Queues are claimed.** The workers' reads (`claimQueuedRows`, `claimQueuedReplies`) lock
///   their rows `FOR UPDATE SKIP LOCKED` and lease them to this process (`claimed_by`,
///   `claimed_until`); another process skips leased rows until the lease runs out, which is how a
///   row claimed by a process that died is taken over. Lease times come from the database's
///   clock, so the processes' clocks need not agree.
///
/// The client's connection pool runs in a task the store owns from `open` to `close`.
public final class PostgresStore: BotStore {
    /// How the store connects, claims and retries.
    public struct Configuration: Sendable {
        /// How long a claim on outbox rows and replies holds before another process may take them
        /// over. It must outlast an append's settle delay (`OutboxWorker.settleDelay`): a row is
        /// taken over only once an append its holder may have sent has landed, and the new holder
        /// checks the sheet for it first. Defaults to 3 minutes (twice the settle delay of the
        /// default 30 s `HTTP_TIMEOUT`).
        public var claimLease: Duration = .seconds(180)
        /// Connection attempts at start-up before giving up (a server still starting, a wrong
        /// password fixed in the meantime). Defaults to 6.
        public var startupAttempts: Int = 6
        /// The delays between those attempts. Defaults to 1 second doubling up to 16 seconds.
        public var startupBackoff: Backoff = Backoff(base: .seconds(1), maximum: .seconds(16))
        /// How long a store operation may wait for a connection before it fails with
        /// `StoreUnavailable` (the server is unreachable). Defaults to 10 seconds.
        public var connectionTimeout: Duration = .seconds(10)
        /// How long a store operation may take in all before it fails with `StoreUnavailable`
        /// (the server stopped answering). Defaults to 60 seconds: a batch of a hundred updates
        /// on a loaded server takes seconds, and Telegram gives a webhook delivery about a minute.
        public var operationTimeout: Duration = .seconds(60)
        /// Connections the pool keeps open at most. Defaults to 8.
        public var maximumConnections: Int = 8
        /// The name this process claims rows under. Defaults to a random one per store.
        public var instanceID: String = "metro-bot-" + UUID().uuidString.lowercased().prefix(8)

        /// The defaults.
        public init() {}
    }

    /// PostgreSQL.
    public var kind: StoreKind { .postgres }

    /// The lead among the processes sharing the database: an advisory lock on a connection of its
    /// own (`PostgresLeadership`).
    public func makeLeadership() -> any Leadership {
        PostgresLeadership(settings: settings, logger: logger)
    }
    /// The name this process claims rows under.
    public let instanceID: String
    /// Where the database is (its `description` omits the password).
    public let settings: PostgresConnectionSettings

    let client: PostgresClient
    private let claimLeaseMilliseconds: Int64
    private let connectionTimeout: Duration
    private let operationTimeout: Duration
    private let logger: Logger
    /// Runs the client's pool (`PostgresClient.run()`) for as long as the store is open.
    private let poolTask: Task<Void, Never>

    /// The namespace of the per-user advisory locks taken by `recordUpdates`
    /// (`pg_advisory_xact_lock(namespace, hashint8(user_id))`).
    static let userLockNamespace: Int32 = 0x6D74_7275  // 'mtru'
    /// The advisory lock that serializes reply claims, so that a chat's messages are claimed as
    /// an ordered prefix by one process at a time.
    static let replyClaimLock: Int64 = 0x6D65_7472_6F72_706C  // 'metrorpl'

    private init(settings: PostgresConnectionSettings, configuration: Configuration, logger: Logger) {
        self.settings = settings
        self.instanceID = configuration.instanceID
        self.claimLeaseMilliseconds = Int64(configuration.claimLease.timeInterval * 1_000)
        self.connectionTimeout = configuration.connectionTimeout
        self.operationTimeout = max(configuration.operationTimeout, configuration.connectionTimeout)
        self.logger = logger
        var clientConfiguration = settings.clientConfiguration()
        clientConfiguration.options.maximumConnections = max(configuration.maximumConnections, 1)
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        self.client = client
        self.poolTask = Task { await client.run() }
    }

    /// Connects to the database (retrying with backoff while the server is unreachable or
    /// refuses the login), applies the migrations it lacks under the migration lock, and starts
    /// the connection pool.
    /// - Throws: `SchemaTooNewError` when a newer bot migrated the database;
    ///   `PostgresStartupError` when every connection attempt failed.
    public static func open(settings: PostgresConnectionSettings, configuration: Configuration = Configuration(),
                            logger: Logger) async throws -> PostgresStore {
        let connection = try await connectForStartup(settings: settings, configuration: configuration, logger: logger)
        do {
            try await PostgresMigrations.migrate(on: connection, logger: logger)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
        let store = PostgresStore(settings: settings, configuration: configuration, logger: logger)
        logger.info("PostgreSQL store open", metadata: ["database": "\(settings)", "instance": "\(store.instanceID)"])
        return store
    }

    /// One connection, retried with backoff: at start-up the server may still be starting, or an
    /// operator may be fixing a password. Each failure is logged with the attempt and the time of
    /// the next one, never the password.
    static func connectForStartup(settings: PostgresConnectionSettings, configuration: Configuration,
                                  logger: Logger) async throws -> PostgresConnection {
        let attempts = max(configuration.startupAttempts, 1)
        var lastProblem = ""
        for attempt in 1...attempts {
            do {
                return try await PostgresConnection.connect(configuration: try settings.connectionConfiguration(),
                                                            id: attempt, logger: logger)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                lastProblem = PostgresStoreError.describe(error)
                guard attempt < attempts else { break }
                let delay = configuration.startupBackoff.delay(forAttempt: attempt)
                let next = Date().addingTimeInterval(delay.timeInterval)
                logger.error("cannot connect to the PostgreSQL store; retrying", metadata: [
                    "database": "\(settings)", "attempt": "\(attempt)/\(attempts)", "error": "\(lastProblem)",
                    "retry_in": "\(delay)", "next_attempt_at": "\(AttendanceRow.formatTimestamp(next))",
                ])
                try await Task.sleep(for: delay)
            }
        }
        throw PostgresStartupError(database: settings.description, attempts: attempts, problem: lastProblem)
    }

    /// Stops the connection pool; later calls fail. Call once every service stopped.
    ///
    /// Waits at most `closeTimeout` (5 s) for the pool to wind down: with the server unreachable
    /// the pool is still backing off its reconnections, and a bot stopping within
    /// `SHUTDOWN_GRACE` must not spend it here. The process is exiting then; its sockets go with it.
    public func close() async throws {
        await handOverClaims()
        poolTask.cancel()
        let poolTask = poolTask
        if await !Self.succeeds(within: Self.closeTimeout, { await poolTask.value }) {
            logger.warning("PostgreSQL connection pool still closing; not waiting longer", metadata: ["waited": "\(Self.closeTimeout)"])
        }
    }

    /// How long `close()` waits for the pool.
    static let closeTimeout: Duration = .seconds(5)

    /// How long `close()` tries to hand its claims over before giving up on it.
    static let handOverTimeout: Duration = .seconds(2)

    /// Ends the leases of this process's claims, so that another instance takes the rows, replies
    /// and answers at its next pass instead of when the leases run out (minutes): what a rolling
    /// deploy needs. The workers have stopped when `close()` runs, so nothing of this process
    /// touches them again. The claims stay this process's, so the next holder takes a row as
    /// abandoned: it waits the settle delay since the row's last attempt and asks the sheet
    /// before appending it, as after a crash. Bounded by `handOverTimeout`; when the server is
    /// unreachable the leases simply run out.
    private func handOverClaims() async {
        let me = instanceID
        let handOver: @Sendable () async throws -> Void = { [self] in
            for table in ["outbox", "outgoing_messages", "callback_answers"] {
                try await query("""
                    UPDATE \(unescaped: table) SET claimed_until = clock_timestamp()
                    WHERE claimed_by = \(me) AND claimed_until > clock_timestamp()
                    """)
            }
        }
        if await !Self.succeeds(within: Self.handOverTimeout, handOver) {
            logger.warning("could not hand this instance's claims over; other instances take them when their leases run out")
        }
    }

    /// Whether `work` finished without throwing within `limit`; past it, `work` is cancelled and
    /// left to finish in the background (`result(within:of:)`).
    private static func succeeds(within limit: Duration, _ work: @escaping @Sendable () async throws -> Void) async -> Bool {
        (try? await result(within: limit, of: work)) != nil
    }

    deinit {
        poolTask.cancel()
    }

    // MARK: Queries

    /// Runs `query` and returns its rows.
    @discardableResult
    private func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let client = client, logger = logger
        return try await guarded { connected in
            try await client.withConnection { connection in
                connected.set()
                return try await connection.query(query, logger: logger).collect()
            }
        }
    }

    /// Runs `body` in one transaction on one connection.
    private func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = client, logger = logger
        return try await guarded { connected in
            do {
                return try await client.withTransaction(logger: logger) { connection in
                    connected.set()
                    return try await body(connection)
                }
            } catch let error as PostgresTransactionError {
                // The closure's own error is what the caller needs; a failed ROLLBACK after it is noise.
                if let closureError = error.closureError { throw closureError }
                throw error.beginError ?? error.commitError ?? error
            }
        }
    }

    /// Runs `body` on a connection of the pool.
    private func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = client
        return try await guarded { connected in
            try await client.withConnection { connection in
                connected.set()
                return try await body(connection)
            }
        }
    }

    /// Runs `body` under two deadlines, turning postgres-nio's errors, whose descriptions are
    /// deliberately generic, into errors that say what the server or the connection said: these
    /// end up in logs, `/health` and dead letters. An outage is a `StoreUnavailable`.
    ///
    /// The deadlines keep a store outage from hanging its callers: while the server is
    /// unreachable, postgres-nio's pool queues requests and retries connecting for about a minute
    /// before failing them. `body` gets a connection within `connectionTimeout` (10 s) and then
    /// finishes within `operationTimeout` (60 s, for a large batch on a loaded server), or the
    /// caller gets `StoreUnavailable`: a webhook delivery fails (Telegram redelivers it) and
    /// `/health` answers unhealthy. An operation cut short is retried by its caller; every write
    /// is safe to repeat (de-duplication, upserts, deletes by key, claims that are this
    /// process's again).
    private func guarded<T: Sendable>(_ body: @escaping @Sendable (ConnectedFlag) async throws -> T) async throws -> T {
        let connectionTimeout = connectionTimeout, operationTimeout = operationTimeout
        let connected = ConnectedFlag()
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body(connected) }
                group.addTask {
                    try await Task.sleep(for: connectionTimeout)
                    guard connected.isSet else {
                        throw StoreUnavailable(reason: "PostgreSQL gave no connection within \(connectionTimeout)")
                    }
                    try await Task.sleep(for: max(operationTimeout - connectionTimeout, .zero))
                    throw StoreUnavailable(reason: "PostgreSQL did not answer within \(operationTimeout)")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw StoreUnavailable(reason: "PostgreSQL did not answer")
                }
                return value
            }
        } catch let error as PSQLError {
            let description = PostgresStoreError.describe(error)
            if PostgresStoreError.isOutage(error) { throw StoreUnavailable(reason: "PostgreSQL: " + description) }
            throw PostgresQueryError(description: "PostgreSQL: " + description)
        } catch let error as StoreUnavailable {
            throw error
        } catch let error as PostgresQueryError {
            throw error
        } catch let error as PostgresStoreError {
            throw error
        } catch let error as UnstorableDate {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as DecodingError {
            throw error
        } catch {
            // The pool's own errors: no connection could be made, or the pool is closed.
            throw StoreUnavailable(reason: "PostgreSQL: \(error)")
        }
    }

    /// The number in a one-row, one-column `bigint` answer.
    private static func count(_ rows: [PostgresRow]) throws -> Int {
        guard let row = rows.first else { return 0 }
        return Int(try row.decode(Int64.self))
    }

    private var leaseMilliseconds: Int64 { claimLeaseMilliseconds }

    // MARK: Updates

    public func recordUpdates(
        _ inputs: [ConversationInput], arrivals: [ReceivedUpdateRecord], now: Date,
        decide: @escaping @Sendable (ConversationState, ConversationInput) -> ConversationStep
    ) async throws -> [UpdateOutcome] {
        guard !inputs.isEmpty || !arrivals.isEmpty else { return [] }
        let logger = logger
        return try await transaction { connection in
            let transaction = try PostgresUpdateTransaction(connection: connection, logger: logger, now: now)
            let arrivalsByID = ReceivedUpdateRecord.byUpdateID(arrivals, among: inputs)
            try await Self.insertArrivals(arrivalsByID.others, on: connection, logger: logger)
            let users = Array(Set(inputs.compactMap { $0.user?.id })).sorted()
            try await transaction.lockUsers(users)
            var unmarked = try await transaction.markProcessed(inputs.map(\.updateID), arrivals: arrivalsByID.inputs)
            var changes = PostgresBatchChanges(stored: try await transaction.states(userIDs: users))
            var outcomes: [UpdateOutcome] = []
            outcomes.reserveCapacity(inputs.count)
            for input in inputs {
                // An update this batch did not mark, or holds twice, was processed before.
                guard unmarked.remove(input.updateID) != nil else {
                    outcomes.append(.duplicate)
                    continue
                }
                let isLocation = if case .location = input.event { true } else { false }
                let state = if let user = input.user {
                    changes.state(userID: user.id, includingExpired: isLocation)
                } else {
                    ConversationState()
                }
                let step = decide(state, input)
                try changes.apply(step)
                outcomes.append(.recorded(step))
            }
            try await transaction.write(changes)
            return outcomes
        }
    }

    public func isProcessed(updateID: Int64) async throws -> Bool {
        !(try await query("SELECT 1 FROM processed_updates WHERE update_id = \(updateID)")).isEmpty
    }

    public func pruneProcessedUpdates(olderThan cutoff: Date) async throws -> Int {
        try Self.count(try await query("""
            WITH deleted AS (DELETE FROM processed_updates
                             WHERE processed_at < \(PostgresDate.bound(cutoff))::timestamptz AND raw IS NULL RETURNING 1)
            SELECT count(*) FROM deleted
            """))
    }

    // MARK: Dead letters

    public func recordDeadLetter(updateID: Int64, rawUpdate: String, rejection: UpdateRejection,
                                 reply: OutgoingReply?, now: Date) async throws -> Bool {
        let nowText = try PostgresDate.text(now)
        let markup = try reply?.replyMarkup.map { try PostgresUpdateTransaction.json($0) }
        let logger = self.logger
        return try await transaction { connection in
            // `xmax = 0` only on a row this statement inserted: a redelivery updates instead.
            let rows = try await connection.query("""
                INSERT INTO dead_letters (update_id, raw_update, reason_code, reason, first_seen, last_seen, attempts)
                VALUES (\(updateID), \(rawUpdate), \(rejection.code.rawValue), \(rejection.detail),
                        \(nowText)::timestamptz, \(nowText)::timestamptz, 1)
                ON CONFLICT (update_id) DO UPDATE SET
                  last_seen = greatest(excluded.last_seen, dead_letters.first_seen),
                  attempts = dead_letters.attempts + 1,
                  reason_code = excluded.reason_code, reason = excluded.reason
                RETURNING (xmax = 0)
                """, logger: logger).collect()
            let isNew = try rows.first?.decode(Bool.self) ?? false
            if isNew, let reply {
                try await connection.query("""
                    INSERT INTO outgoing_messages (chat_id, text, reply_markup, created_at, attempts)
                    VALUES (\(reply.chatID), \(reply.text), \(markup)::jsonb, \(nowText)::timestamptz, 0)
                    """, logger: logger)
            }
            return isNew
        }
    }

    private static let deadLetterColumns = """
        update_id, raw_update, reason_code, reason, metro_stored_date(first_seen), metro_stored_date(last_seen), attempts
        """

    private static func deadLetter(_ row: PostgresRow) throws -> DeadLetter {
        let (updateID, raw, code, reason, firstSeen, lastSeen, attempts) =
            try row.decode((Int64, String, String, String, String, String, Int32).self)
        guard let reasonCode = UpdateRejection.Code(rawValue: code) else { throw PostgresStoreError.unreadableValue("reason code \(code)") }
        var letter = DeadLetter(updateID: updateID, rawUpdate: raw, rejection: UpdateRejection(reasonCode, reason),
                                now: try PostgresDate.date(firstSeen))
        letter.lastSeen = try PostgresDate.date(lastSeen)
        letter.attempts = Int(attempts)
        return letter
    }

    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try await query("""
            SELECT \(unescaped: Self.deadLetterColumns) FROM dead_letters
            ORDER BY last_seen DESC, update_id DESC LIMIT \(Int64(max(limit, 0)))
            """).map(Self.deadLetter)
    }

    public func deadLetter(updateID: Int64) async throws -> DeadLetter? {
        try await query("SELECT \(unescaped: Self.deadLetterColumns) FROM dead_letters WHERE update_id = \(updateID)")
            .first.map(Self.deadLetter)
    }

    public func deleteDeadLetter(updateID: Int64) async throws {
        try await query("DELETE FROM dead_letters WHERE update_id = \(updateID)")
    }

    public func deadLetterSummary() async throws -> DeadLetterSummary {
        let count = try Self.count(try await query("SELECT count(*) FROM dead_letters"))
        let newest = try await query("""
            SELECT \(unescaped: Self.deadLetterColumns) FROM dead_letters ORDER BY last_seen DESC, update_id DESC LIMIT 1
            """).first.map(Self.deadLetter)
        return DeadLetterSummary(count: count, lastAt: newest?.lastSeen,
                                 lastReason: newest.map { "\($0.reasonCode.rawValue): \($0.reason)" })
    }

    public func pruneDeadLetters(olderThan cutoff: Date) async throws -> Int {
        try Self.count(try await query("""
            WITH deleted AS (DELETE FROM dead_letters WHERE last_seen < \(PostgresDate.bound(cutoff))::timestamptz RETURNING 1)
            SELECT count(*) FROM deleted
            """))
    }

    // MARK: Event journal

    public func appendJournal(events: [JournalEvent], updates: [ReceivedUpdateRecord]) async throws {
        guard !events.isEmpty || !updates.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let eventRows = try events.map { event in
            (try PostgresDate.text(event.at), event.kind.rawValue, event.severity.rawValue, event.updateID,
             String(decoding: try encoder.encode(event.fields), as: UTF8.self))
        }
        let logger = self.logger
        return try await transaction { connection in
            // Events are few (a mode change, a failure); received updates come with every
            // delivery, so they go in one statement, as arrays.
            for (at, kind, severity, updateID, fields) in eventRows {
                try await connection.query("""
                    INSERT INTO events (at, kind, severity, update_id, fields)
                    VALUES (\(at)::timestamptz, \(kind), \(severity), \(updateID), \(fields)::jsonb)
                    """, logger: logger)
            }
            try await Self.insertArrivals(updates, on: connection, logger: logger)
        }
    }

    /// Inserts arrival records in one statement, as arrays; an update already recorded keeps its
    /// first arrival.
    private static func insertArrivals(_ updates: [ReceivedUpdateRecord], on connection: PostgresConnection,
                                       logger: Logger) async throws {
        guard !updates.isEmpty else { return }
        let dates = try updates.map { try PostgresDate.text($0.receivedAt) }
        try await connection.query("""
            INSERT INTO received_updates (update_id, received_at, source, raw)
            SELECT update_id, received_at::timestamptz, source, raw
            FROM unnest(\(updates.map(\.updateID)), \(dates), \(updates.map(\.source.rawValue)), \(updates.map(\.raw)))
              AS u(update_id, received_at, source, raw)
            ON CONFLICT (update_id) DO NOTHING
            """, logger: logger)
    }

    private static func event(_ row: PostgresRow) throws -> JournalEvent {
        let (at, kind, severity, updateID, fields) = try row.decode((String, String, String, Int64?, String).self)
        guard let kindValue = JournalEvent.Kind(rawValue: kind), let severityValue = JournalEvent.Severity(rawValue: severity) else {
            throw PostgresStoreError.unreadableValue("event kind \(kind) or severity \(severity)")
        }
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(fields.utf8))
        return JournalEvent(kindValue, at: try PostgresDate.date(at), severity: severityValue, updateID: updateID, fields: decoded)
    }

    public func events(from start: Date, to end: Date, limit: Int?) async throws -> [JournalEvent] {
        try await query("""
            SELECT metro_stored_date(at), kind, severity, update_id, fields::text FROM events
            WHERE at >= \(PostgresDate.bound(start))::timestamptz AND at <= \(PostgresDate.bound(end))::timestamptz
            ORDER BY at, id LIMIT \(limit.map { Int64(max($0, 0)) })
            """).map(Self.event)
    }

    public func recentEvents(limit: Int) async throws -> [JournalEvent] {
        try await query("""
            SELECT metro_stored_date(at), kind, severity, update_id, fields::text FROM events
            WHERE kind <> \(JournalEvent.Kind.attendance.rawValue)
            ORDER BY at DESC, id DESC LIMIT \(Int64(max(limit, 0)))
            """).map(Self.event)
    }

    /// Each update's first arrival in a window, as `BotDatabase.arrivalsSQL` reads it.
    private static func arrivals(from start: Date, to end: Date) -> PostgresQuery {
        let start = PostgresDate.bound(start), end = PostgresDate.bound(end)
        return """
            SELECT update_id, received_at, source, raw FROM processed_updates p
            WHERE p.processed_at >= \(start)::timestamptz AND p.received_at >= \(start)::timestamptz
              AND p.received_at <= \(end)::timestamptz AND p.raw IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM received_updates r WHERE r.update_id = p.update_id AND r.received_at < p.received_at)
            UNION ALL
            SELECT update_id, received_at, source, raw FROM received_updates r
            WHERE r.received_at >= \(start)::timestamptz AND r.received_at <= \(end)::timestamptz
              AND NOT EXISTS (SELECT 1 FROM processed_updates p WHERE p.update_id = r.update_id AND p.raw IS NOT NULL
                              AND p.received_at <= r.received_at)
            """
    }

    public func arrivalsPerMinute(since start: Date) async throws -> [(minute: String, count: Int)] {
        var query = Self.arrivals(from: start, to: .distantFuture)
        query.sql = """
            SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS minute, count(*) FROM (\(query.sql)) AS a
            GROUP BY minute ORDER BY minute
            """
        return try await self.query(query).map { row in
            let (minute, count) = try row.decode((String, Int64).self)
            return (minute: minute, count: Int(count))
        }
    }

    public func receivedUpdates(from start: Date, to end: Date) async throws -> [ReceivedUpdateRecord] {
        var query = Self.arrivals(from: start, to: end)
        query.sql = """
            SELECT update_id, metro_stored_date(received_at), source, raw FROM (\(query.sql)) AS a ORDER BY received_at, update_id
            """
        return try await self.query(query).map { row in
            let (updateID, receivedAt, source, raw) = try row.decode((Int64, String, String, String).self)
            guard let sourceValue = ReceivedUpdateRecord.Source(rawValue: source) else {
                throw PostgresStoreError.unreadableValue("update source \(source)")
            }
            return ReceivedUpdateRecord(updateID: updateID, receivedAt: try PostgresDate.date(receivedAt), source: sourceValue, raw: raw)
        }
    }

    public func pruneJournal(olderThan cutoff: Date, keepingAtMost maximumRows: Int) async throws -> Int {
        let cutoffText = PostgresDate.bound(cutoff)
        let keep = Int64(max(maximumRows, 0))
        let logger = self.logger
        return try await transaction { connection in
            var deleted = 0
            for statement: PostgresQuery in [
                "WITH d AS (DELETE FROM events WHERE at < \(cutoffText)::timestamptz RETURNING 1) SELECT count(*) FROM d",
                "WITH d AS (DELETE FROM received_updates WHERE received_at < \(cutoffText)::timestamptz RETURNING 1) SELECT count(*) FROM d",
                // An arrival kept in its processed_updates row is cleared, not deleted (the row may
                // still de-duplicate; `pruneProcessedUpdates` deletes it once it has no arrival).
                """
                WITH d AS (UPDATE processed_updates SET received_at = NULL, source = NULL, raw = NULL
                           WHERE raw IS NOT NULL AND received_at < \(cutoffText)::timestamptz RETURNING 1)
                SELECT count(*) FROM d
                """,
                """
                WITH d AS (DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET \(keep)) RETURNING 1)
                SELECT count(*) FROM d
                """,
                """
                WITH d AS (DELETE FROM received_updates WHERE update_id IN (
                  SELECT update_id FROM received_updates ORDER BY received_at DESC, update_id DESC OFFSET \(keep)) RETURNING 1)
                SELECT count(*) FROM d
                """,
                """
                WITH d AS (UPDATE processed_updates SET received_at = NULL, source = NULL, raw = NULL WHERE update_id IN (
                  SELECT update_id FROM processed_updates WHERE raw IS NOT NULL
                  ORDER BY received_at DESC, update_id DESC OFFSET \(keep)) RETURNING 1)
                SELECT count(*) FROM d
                """,
            ] {
                deleted += try Self.count(try await connection.query(statement, logger: logger).collect())
            }
            return deleted
        }
    }

    // MARK: Pending actions

    public func conversationState(userID: Int64) async throws -> ConversationState {
        let logger = self.logger
        return try await withConnection { connection in
            var state = try await PostgresUpdateTransaction.state(on: connection, logger: logger, userID: userID, includingExpired: false)
            state.expired = nil
            return state
        }
    }

    public func pendingActionCount() async throws -> Int {
        try Self.count(try await query("SELECT count(*) FROM pending_actions"))
    }

    public func deleteExpiredPendingActions(now: Date, tombstoneRetention: Duration) async throws -> Int {
        let nowText = PostgresDate.bound(now)
        let tombstoneCutoff = PostgresDate.bound(now.addingTimeInterval(-tombstoneRetention.timeInterval))
        let logger = self.logger
        return try await transaction { connection in
            try await connection.query("""
                INSERT INTO expired_pending_actions (user_id, action, expired_at)
                SELECT user_id, action, expires_at FROM pending_actions WHERE expires_at <= \(nowText)::timestamptz
                ON CONFLICT (user_id) DO UPDATE SET action = excluded.action, expired_at = excluded.expired_at
                """, logger: logger)
            try await connection.query("DELETE FROM expired_pending_actions WHERE expired_at < \(tombstoneCutoff)::timestamptz",
                                       logger: logger)
            return try Self.count(try await connection.query("""
                WITH d AS (DELETE FROM pending_actions WHERE expires_at <= \(nowText)::timestamptz RETURNING 1) SELECT count(*) FROM d
                """, logger: logger).collect())
        }
    }

    public func insertPendingActions(_ actions: [PendingAction]) async throws {
        guard !actions.isEmpty else { return }
        let created = try actions.map { try PostgresDate.text($0.createdAt) }
        let expires = try actions.map { try PostgresDate.text($0.expiresAt) }
        try await query("""
            INSERT INTO pending_actions (user_id, action, created_at, expires_at)
            SELECT user_id, action, created_at::timestamptz, expires_at::timestamptz
            FROM unnest(\(actions.map(\.userID)), \(actions.map(\.action.rawValue)), \(created), \(expires))
              AS a(user_id, action, created_at, expires_at)
            ON CONFLICT (user_id) DO UPDATE SET
              action = excluded.action, created_at = excluded.created_at, expires_at = excluded.expires_at
            """)
    }

    // MARK: Outbox

    private static let outboxColumns = """
        id, update_id, cells::text, metro_stored_date(enqueued_at), attempts, last_error, metro_stored_date(last_attempt_at)
        """

    private static func outboxEntry(_ row: PostgresRow) throws -> OutboxEntry {
        let (id, updateID, cells, enqueuedAt, attempts, lastError, lastAttemptAt) =
            try row.decode((Int64, Int64, String, String, Int32, String?, String?).self)
        return OutboxEntry(id: id, updateID: updateID, cells: try JSONDecoder().decode([String].self, from: Data(cells.utf8)),
                           enqueuedAt: try PostgresDate.date(enqueuedAt), attempts: Int(attempts), lastError: lastError,
                           lastAttemptAt: try PostgresDate.date(lastAttemptAt))
    }

    public func queuedRows(limit: Int) async throws -> [OutboxEntry] {
        try await query("SELECT \(unescaped: Self.outboxColumns) FROM outbox ORDER BY id LIMIT \(Int64(max(limit, 0)))")
            .map(Self.outboxEntry)
    }

    /// Claims rows that are free, already this process's, or leased by a process whose lease ran
    /// out, skipping rows another transaction holds locked (`SKIP LOCKED`), and leases them to
    /// this process. The rows are returned as they were before the claim.
    public func claimQueuedRows(limit: Int, countingAttemptAt startedAt: Date?) async throws -> [OutboxEntry] {
        let started = try startedAt.map { try PostgresDate.text($0) }
        return try await query("""
            WITH picked AS (
              SELECT \(unescaped: Self.outboxColumns), (claimed_by IS NOT NULL AND claimed_by <> \(instanceID)) AS abandoned
              FROM outbox
              WHERE claimed_by IS NULL OR claimed_by = \(instanceID) OR claimed_until < clock_timestamp()
              ORDER BY id LIMIT \(Int64(max(limit, 0)))
              FOR UPDATE SKIP LOCKED
            ), claimed AS (
              UPDATE outbox SET
                claimed_by = \(instanceID),
                claimed_until = clock_timestamp() + \(leaseMilliseconds) * interval '1 millisecond',
                attempts = outbox.attempts + CASE WHEN \(started)::timestamptz IS NULL THEN 0 ELSE 1 END,
                last_attempt_at = coalesce(\(started)::timestamptz, outbox.last_attempt_at)
              FROM picked WHERE outbox.id = picked.id
            )
            SELECT * FROM picked ORDER BY id
            """).map { row in
            var entry = try Self.outboxEntry(row)
            entry.claimAbandoned = try row.decode((Int64, Int64, String, String, Int32, String?, String?, Bool).self).7
            return entry
        }
    }

    public func hasAttemptedRows() async throws -> Bool {
        !(try await query("SELECT 1 FROM outbox WHERE attempts > 0 LIMIT 1")).isEmpty
    }

    public func outboxStatus() async throws -> (queued: Int, oldestEnqueuedAt: Date?) {
        guard let row = try await query("SELECT count(*), metro_stored_date(min(enqueued_at)) FROM outbox").first else {
            return (0, nil)
        }
        let (count, oldest) = try row.decode((Int64, String?).self)
        return (Int(count), try PostgresDate.date(oldest))
    }

    /// Counts the attempt and renews this process's lease on the rows; throws `ClaimLostError`
    /// when another process holds any of them now.
    public func recordAppendAttempt(updateIDs: [Int64], startedAt: Date) async throws {
        guard !updateIDs.isEmpty else { return }
        let started = try PostgresDate.text(startedAt)
        let counted = try await query("""
            UPDATE outbox SET attempts = attempts + 1, last_attempt_at = \(started)::timestamptz,
              claimed_by = \(instanceID), claimed_until = clock_timestamp() + \(leaseMilliseconds) * interval '1 millisecond'
            WHERE update_id = ANY(\(updateIDs))
              AND (claimed_by IS NULL OR claimed_by = \(instanceID) OR claimed_until < clock_timestamp())
            RETURNING update_id
            """).map { try $0.decode(Int64.self) }
        let lost = Set(updateIDs).subtracting(counted)
        guard lost.isEmpty else {
            // Rows that are gone were appended by their new holder; rows held are being appended.
            throw ClaimLostError(updateIDs: lost.sorted())
        }
    }

    public func recordAppendFailure(updateIDs: [Int64], error: String) async throws {
        guard !updateIDs.isEmpty else { return }
        try await query("UPDATE outbox SET last_error = \(error) WHERE update_id = ANY(\(updateIDs))")
    }

    public func deleteAppendedRows(updateIDs: [Int64]) async throws -> Int {
        guard !updateIDs.isEmpty else { return 0 }
        return try Self.count(try await query("""
            WITH d AS (DELETE FROM outbox WHERE update_id = ANY(\(updateIDs)) RETURNING 1) SELECT count(*) FROM d
            """))
    }

    // MARK: Replies

    private static let messageColumns = """
        id, chat_id, text, reply_markup::text, metro_stored_date(created_at), attempts, last_error
        """

    /// Decodes message rows, each distinct keyboard once (as `BotDatabase` does).
    private static func messages(_ rows: [PostgresRow]) throws -> [OutgoingMessage] {
        let decoder = OutgoingMessage.databaseJSONDecoder(for: "reply_markup")
        var markups: [String: ReplyMarkup] = [:]
        return try rows.map { row in
            let (id, chatID, text, markupJSON, createdAt, attempts, lastError) =
                try row.decode((Int64, Int64, String, String?, String, Int32, String?).self)
            var markup: ReplyMarkup?
            if let markupJSON {
                if let known = markups[markupJSON] {
                    markup = known
                } else {
                    let decoded = try decoder.decode(ReplyMarkup.self, from: Data(markupJSON.utf8))
                    markups[markupJSON] = decoded
                    markup = decoded
                }
            }
            return OutgoingMessage(id: id, chatID: chatID, text: text, replyMarkup: markup,
                                   createdAt: try PostgresDate.date(createdAt), attempts: Int(attempts), lastError: lastError)
        }
    }

    private static let answerColumns = "id, callback_query_id, text, metro_stored_date(created_at), attempts, last_error"

    private static func answer(_ row: PostgresRow) throws -> OutgoingCallbackAnswer {
        let (id, queryID, text, createdAt, attempts, lastError) = try row.decode((Int64, String, String?, String, Int32, String?).self)
        return OutgoingCallbackAnswer(id: id, callbackQueryID: queryID, text: text, createdAt: try PostgresDate.date(createdAt),
                                      attempts: Int(attempts), lastError: lastError)
    }

    public func queuedMessages(limit: Int) async throws -> [OutgoingMessage] {
        try Self.messages(try await query(
            "SELECT \(unescaped: Self.messageColumns) FROM outgoing_messages ORDER BY id LIMIT \(Int64(max(limit, 0)))"))
    }

    /// Claims, in one transaction under the reply-claim lock: callback answers that are free,
    /// this process's or abandoned; and messages likewise, except those of a chat with an older
    /// message another process holds, so that one chat's replies are sent by one process, in
    /// order. The lock makes the "older message held" check see every earlier claim.
    public func claimQueuedReplies(limit: Int) async throws -> (answers: [OutgoingCallbackAnswer], messages: [OutgoingMessage]) {
        let limit = Int64(max(limit, 0))
        let me = instanceID
        let lease = leaseMilliseconds
        let logger = self.logger
        return try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.replyClaimLock))", logger: logger)
            let answers = try await connection.query("""
                WITH picked AS (
                  SELECT \(unescaped: Self.answerColumns) FROM callback_answers
                  WHERE claimed_by IS NULL OR claimed_by = \(me) OR claimed_until < clock_timestamp()
                  ORDER BY id LIMIT \(limit)
                  FOR UPDATE SKIP LOCKED
                ), claimed AS (
                  UPDATE callback_answers SET claimed_by = \(me),
                    claimed_until = clock_timestamp() + \(lease) * interval '1 millisecond'
                  FROM picked WHERE callback_answers.id = picked.id
                )
                SELECT * FROM picked ORDER BY id
                """, logger: logger).collect().map(Self.answer)
            let messages = try Self.messages(try await connection.query("""
                WITH picked AS (
                  SELECT \(unescaped: Self.messageColumns) FROM outgoing_messages m
                  WHERE (m.claimed_by IS NULL OR m.claimed_by = \(me) OR m.claimed_until < clock_timestamp())
                    AND NOT EXISTS (
                      SELECT 1 FROM outgoing_messages older
                      WHERE older.chat_id = m.chat_id AND older.id < m.id
                        AND older.claimed_by <> \(me) AND older.claimed_until >= clock_timestamp())
                  ORDER BY m.id LIMIT \(limit)
                  FOR UPDATE SKIP LOCKED
                ), claimed AS (
                  UPDATE outgoing_messages SET claimed_by = \(me),
                    claimed_until = clock_timestamp() + \(lease) * interval '1 millisecond'
                  FROM picked WHERE outgoing_messages.id = picked.id
                )
                SELECT * FROM picked ORDER BY id
                """, logger: logger).collect())
            return (answers, messages)
        }
    }

    public func deleteSentReplies(messageIDs: [Int64], answerIDs: [Int64]) async throws {
        guard !messageIDs.isEmpty || !answerIDs.isEmpty else { return }
        let logger = self.logger
        return try await transaction { connection in
            if !answerIDs.isEmpty {
                try await connection.query("DELETE FROM callback_answers WHERE id = ANY(\(answerIDs))", logger: logger)
            }
            if !messageIDs.isEmpty {
                try await connection.query("DELETE FROM outgoing_messages WHERE id = ANY(\(messageIDs))", logger: logger)
            }
        }
    }

    public func queuedMessageCount() async throws -> Int {
        try Self.count(try await query("SELECT count(*) FROM outgoing_messages"))
    }

    public func recordSendFailure(id: Int64, error: String) async throws {
        try await query("UPDATE outgoing_messages SET attempts = attempts + 1, last_error = \(error) WHERE id = \(id)")
    }

    public func queuedCallbackAnswers(limit: Int) async throws -> [OutgoingCallbackAnswer] {
        try await query("SELECT \(unescaped: Self.answerColumns) FROM callback_answers ORDER BY id LIMIT \(Int64(max(limit, 0)))")
            .map(Self.answer)
    }

    public func queuedCallbackAnswerCount() async throws -> Int {
        try Self.count(try await query("SELECT count(*) FROM callback_answers"))
    }

    public func deleteCallbackAnswers(recordedBefore cutoff: Date) async throws -> Int {
        try Self.count(try await query("""
            WITH d AS (DELETE FROM callback_answers WHERE created_at < \(PostgresDate.bound(cutoff))::timestamptz RETURNING 1)
            SELECT count(*) FROM d
            """))
    }

    public func recordCallbackAnswerFailure(id: Int64, error: String) async throws {
        try await query("UPDATE callback_answers SET attempts = attempts + 1, last_error = \(error) WHERE id = \(id)")
    }

    // MARK: Inspection

    /// The schema version recorded in `schema_migrations`.
    public func schemaVersion() async throws -> Int {
        let logger = self.logger
        return try await withConnection { connection in
            try await PostgresMigrations.appliedVersion(on: connection, logger: logger)
        }
    }

    /// The newest schema version this binary knows.
    public static var supportedSchemaVersion: Int { PostgresMigrations.latestVersion }
}

/// Every connection attempt at start-up failed.
public struct PostgresStartupError: Error, Sendable, CustomStringConvertible {
    /// The database, without its password.
    public var database: String
    /// How many attempts were made.
    public var attempts: Int
    /// Why the last one failed.
    public var problem: String

    public var description: String {
        "cannot open the PostgreSQL store \(database) after \(attempts) attempts: \(problem); "
            + "check that the server is running and reachable and that DATABASE_URL's user, password and database are right"
    }
}

/// A query of the PostgreSQL store failed: the server refused it or the connection broke.
public struct PostgresQueryError: Error, Sendable, CustomStringConvertible {
    /// What the server or the connection said (never a password).
    public var description: String
}

/// A value the PostgreSQL store cannot read back.
enum PostgresStoreError: Error, CustomStringConvertible {
    case unreadableDate(String)
    case unreadableValue(String)

    var description: String {
        switch self {
        case .unreadableDate(let text): "stored date \(text) is not a date"
        case .unreadableValue(let text): "stored \(text) is not one the bot knows"
        }
    }

    /// Whether `error` says the server cannot be reached or went away (an outage: the intake
    /// answers 503 and counts no try) rather than refusing the statement itself: a connection
    /// that failed or closed, or the server's SQLSTATE class 08 (connection exception), 57P01–03
    /// (shutting down, crashed, starting) or 53300 (too many connections).
    static func isOutage(_ error: PSQLError) -> Bool {
        if let state = error.serverInfo?[.sqlState] {
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
        }
        return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed]
            .contains(error.code)
    }

    /// A readable account of a postgres-nio error, whose own description is deliberately
    /// generic: the server's message and SQLSTATE, or the connection's failure. Neither contains
    /// the password, which postgres-nio sends only inside the authentication exchange.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return "the server answered: \(message)\(state)"
        }
        if let underlying = error.underlying {
            return "\(error.code): \(underlying)"
        }
        return "\(error.code)"
    }
}

/// Set once an operation of `PostgresStore` holds a connection: from then on only the
/// operation's own deadline applies, not the connection's.
final class ConnectedFlag: Sendable {
    private let state = Mutex(false)

    func set() { state.withLock { $0 = true } }

    var isSet: Bool { state.withLock { $0 } }
}
