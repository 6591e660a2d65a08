@testable import Bot
import Foundation
import GRDB
import MetroSupport
import Synchronization
import Testing

@Suite struct BotDatabaseTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("opening migrates a new file to the current schema in WAL mode")
    func migrates() async throws {
        try await withTemporaryDirectory { directory in
            let database = try BotDatabase(path: directory.appendingPathComponent("nested/dir/bot.sqlite").path)
            #expect(try await database.appliedMigrations() == BotMigrations.migrator.migrations.sorted())
            #expect(try await database.journalMode() == "wal")
            // NORMAL (1) on the connection that commits: durable against a crash of the process
            // (see BotDatabase.init for the power-loss trade-off).
            #expect(try await database.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 1)
            try database.close()
        }
    }

    @Test("the schema's constraints refuse impossible rows")
    func constraints() async throws {
        try await withTemporaryDirectory { directory in
            let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
            let failures: [String] = [
                "INSERT INTO pending_actions (user_id, action, created_at, expires_at) VALUES (1, 'dance', '2026-01-01', '2026-01-02')",
                "INSERT INTO pending_actions (user_id, action, created_at, expires_at) VALUES (1, 'check_in', '2026-01-02', '2026-01-01')",
                "INSERT INTO outbox (update_id, cells, enqueued_at) VALUES (1, 'not json', '2026-01-01')",
                "INSERT INTO outbox (update_id, cells, enqueued_at, attempts) VALUES (1, '[]', '2026-01-01', -1)",
                "INSERT INTO outgoing_messages (chat_id, text, created_at) VALUES (1, '', '2026-01-01')",
                "INSERT INTO last_actions (user_id, action, site, distance_m, recorded_at) VALUES (1, 'check_in', 'x', -5, '2026-01-01')",
                "INSERT INTO callback_answers (callback_query_id, created_at) VALUES ('', '2026-01-01')",
                "INSERT INTO callback_answers (callback_query_id, text, created_at) VALUES ('q', '\(String(repeating: "x", count: 201))', '2026-01-01')",
            ]
            for sql in failures {
                await #expect(throws: DatabaseError.self, "\(sql)") {
                    try await database.writer.write { db in try db.execute(sql: sql) }
                }
            }
            try await database.writer.write { db in
                try db.execute(sql: "INSERT INTO outbox (update_id, cells, enqueued_at) VALUES (1, '[]', '2026-01-01')")
            }
            await #expect(throws: DatabaseError.self) {
                try await database.writer.write { db in
                    try db.execute(sql: "INSERT INTO outbox (update_id, cells, enqueued_at) VALUES (1, '[]', '2026-01-02')")
                }
            }
            try database.close()
        }
    }

    @Test("a store from before the outbox's last_attempt_at keeps its rows; their attempt time reads as unknown")
    func upgradesOutbox() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("bot.sqlite").path
            do {
                let queue = try DatabaseQueue(path: path)
                try BotMigrations.migrator.migrate(queue, upTo: "v2: callback answers")
                try await queue.write { db in
                    try db.execute(sql: "INSERT INTO outbox (update_id, cells, enqueued_at, attempts) VALUES (7, '[\"7\"]', '2026-01-01 00:00:00.000', 2)")
                }
                try queue.close()
            }
            let database = try BotDatabase(path: path)
            let rows = try await database.queuedRows(limit: 10)
            #expect(rows.map(\.updateID) == [7])
            #expect(rows.map(\.attempts) == [2])
            #expect(rows.first?.lastAttemptAt == nil)
            #expect(try await database.hasAttemptedRows())
            try database.close()
        }
    }

    @Test("the intake's prepared statements store exactly what the Codable records store, and read it back")
    func statementsMatchRecords() async throws {
        try await withTemporaryDirectory { directory in
            // A fractional instant GRDB keeps exactly (milliseconds, binary-exact).
            let now = Self.now.addingTimeInterval(0.125)
            let user = User(id: 9, firstName: "Ida")
            let pending = PendingAction(userID: 9, action: .checkOut, createdAt: now, expiresAt: now.addingTimeInterval(1800))
            let last = LastAction(userID: 9, action: .checkIn, site: "Depot «Norte»", distanceMetres: 12.5, recordedAt: now.addingTimeInterval(-1))
            let row = AttendanceRow(updateID: 1, timestamp: now, user: user, action: .checkIn, latitude: 1.5, longitude: -2.25,
                                    site: "Depot «Norte»", distanceMetres: 12.5)
            let replies = [
                OutgoingReply(chatID: 9, text: "first", replyMarkup: Keyboards.requestLocation),
                OutgoingReply(chatID: 9, text: "second \"quoted\"", replyMarkup: Keyboards.main),
                OutgoingReply(chatID: 9, text: "third", replyMarkup: Keyboards.requestLocation),
                OutgoingReply(chatID: 9, text: "plain"),
            ]
            let viaIntake = try BotDatabase(path: directory.appendingPathComponent("intake.sqlite").path)
            let viaRecords = try BotDatabase(path: directory.appendingPathComponent("records.sqlite").path)
            let inputs = [1, 2].map { ConversationInput(updateID: $0, user: user, chatID: 9, sentAt: now, event: .unknownText) }
            let seen = Mutex<[ConversationState]>([])
            _ = try await viaIntake.recordUpdates(inputs, now: now) { state, input in
                seen.withLock { $0.append(state) }
                guard input.updateID == 1 else { return .silence }
                return ConversationStep(effects: [.openPendingAction(pending), .enqueueRow(row), .recordLastAction(last)], replies: replies)
            }
            // The second update of the batch saw what the first one wrote.
            #expect(seen.withLock { $0 } == [ConversationState(), ConversationState(pending: pending, lastAction: last)])
            try await viaRecords.writer.write { db in
                for id: Int64 in [1, 2] { try ProcessedUpdate(updateID: id, processedAt: now).insert(db) }
                try pending.upsert(db)
                var entry = OutboxEntry(id: nil, updateID: 1, cells: row.cells, enqueuedAt: now, attempts: 0, lastError: nil)
                try entry.insert(db)
                try last.upsert(db)
                for reply in replies {
                    var message = OutgoingMessage(id: nil, chatID: reply.chatID, text: reply.text, replyMarkup: reply.replyMarkup,
                                                  createdAt: now, attempts: 0, lastError: nil)
                    try message.insert(db)
                }
            }
            for table in ["processed_updates", "pending_actions", "outbox", "last_actions", "outgoing_messages"] {
                let sql = "SELECT * FROM \(table) ORDER BY rowid"
                let stored = try viaIntake.writer.read { db in try Row.fetchAll(db, sql: sql) }
                let expected = try viaRecords.writer.read { db in try Row.fetchAll(db, sql: sql) }
                #expect(stored == expected, "\(table)")
                #expect(!stored.isEmpty, "\(table)")
            }
            #expect(try await viaIntake.conversationState(userID: 9) == ConversationState(pending: pending, lastAction: last))
            #expect(try await viaIntake.queuedMessages(limit: 10).map(\.reply) == replies)
            #expect(try await viaIntake.queuedRows(limit: 10).map(\.row) == [row])
            try viaIntake.close()
            try viaRecords.close()
        }
    }
}

@Suite struct InMemoryStoreTests {
    @Test("the store runs on any GRDB writer: an in-memory queue migrates, de-duplicates and reads back as a file does")
    func inMemoryQueue() async throws {
        let database = try BotDatabase(writer: try DatabaseQueue())
        #expect(try await database.appliedMigrations().count == BotMigrations.migrator.migrations.count)
        let input = ConversationInput(updateID: 1, user: User(id: 7, firstName: "Ana"), chatID: 7, sentAt: nil, event: .command(.start))
        let step = ConversationStep(replies: [OutgoingReply(chatID: 7, text: "hi")])
        #expect(try await database.recordUpdates([input, input], now: Date()) { _, _ in step } == [.recorded(step), .duplicate])
        #expect(try await database.queuedMessages(limit: 10).map(\.text) == ["hi"])
        try database.close()
    }
}

/// The `BotStore` semantics, run against both backends (SQLite, and PostgreSQL when
/// `METRO_TEST_POSTGRES_URL` names a server: `StoreBackends.swift`).
@Suite struct BotStoreTests {
    static let now = BotDatabaseTests.now

    @Test("reopening keeps every table's data and applies no migration twice", arguments: StoreBackend.allCases)
    func survivesReopen(_ backend: StoreBackend) async throws {
        try await withStoreLocation(backend) { open in
            let user = User(id: 7, firstName: "Eva")
            do {
                let database = try await open()
                let inputs = [
                    ConversationInput(updateID: 1, user: user, chatID: 7, sentAt: Self.now, event: .command(.checkin)),
                ]
                _ = try await database.recordUpdates(inputs, now: Self.now) { _, input in
                    let row = AttendanceRow(updateID: input.updateID, timestamp: Self.now, user: user, action: .checkIn,
                                            latitude: 1, longitude: 2, site: "Depot", distanceMetres: 3)
                    return ConversationStep(effects: [
                        .openPendingAction(PendingAction(userID: 7, action: .checkOut, createdAt: Self.now, expiresAt: Self.now.addingTimeInterval(60))),
                        .enqueueRow(row),
                        .recordLastAction(LastAction(userID: 7, action: .checkIn, site: "Depot", distanceMetres: 3, recordedAt: Self.now)),
                    ], replies: [OutgoingReply(chatID: 7, text: "hi", replyMarkup: Keyboards.requestLocation)])
                }
                try await database.close()
            }
            let reopened = try await open()
            if let reopened = reopened as? BotDatabase {
                #expect(try await reopened.appliedMigrations().count == BotMigrations.migrator.migrations.count)
            } else if let reopened = reopened as? PostgresStore {
                #expect(try await reopened.schemaVersion() == PostgresStore.supportedSchemaVersion)
            }
            #expect(try await reopened.isProcessed(updateID: 1))
            let state = try await reopened.conversationState(userID: 7)
            #expect(state.pending?.action == .checkOut)
            #expect(state.lastAction?.site == "Depot")
            let rows = try await reopened.queuedRows(limit: 10)
            #expect(rows.map(\.updateID) == [1])
            #expect(rows.first?.cells.last == "1")
            let messages = try await reopened.queuedMessages(limit: 10)
            #expect(messages.map(\.text) == ["hi"])
            #expect(messages.first?.replyMarkup == Keyboards.requestLocation)
            try await reopened.close()
        }
    }

    @Test("an update id is recorded once; its redelivery changes nothing", arguments: StoreBackend.allCases)
    func deduplicates(_ backend: StoreBackend) async throws {
        try await withStore(backend) { database in
            let input = ConversationInput(updateID: 42, user: User(id: 1, firstName: "A"), chatID: 1, sentAt: nil, event: .unknownText)
            let outcomes = try await database.recordUpdates([input, input], now: Self.now) { _, input in
                ConversationStep(replies: [OutgoingReply(chatID: 1, text: "reply to \(input.updateID)")])
            }
            #expect(outcomes.count == 2)
            #expect(outcomes[1] == .duplicate)
            #expect(try await database.recordUpdates([input], now: Self.now) { _, _ in .silence } == [.duplicate])
            #expect(try await database.queuedMessageCount() == 1)
        }
    }

    @Test("within one batch an update sees what the earlier ones wrote: a check-in and its location make one row", arguments: StoreBackend.allCases)
    func batchSeesItsOwnWrites(_ backend: StoreBackend) async throws {
        try await withStore(backend) { database in
            let sites = [Site(name: "Depot", latitude: 52.5, longitude: 13.4, radiusMetres: 500)]
            let conversation = Conversation(locationService: LocationService(sites: sites), pendingActionTTL: .seconds(1_800))
            let now = Self.now
            let user = User(id: 31, firstName: "Ana")
            let inputs = [
                ConversationInput(updateID: 1, user: user, chatID: 31, sentAt: now, event: .command(.checkin)),
                ConversationInput(updateID: 2, user: user, chatID: 31, sentAt: now, event: .location(latitude: 52.5, longitude: 13.4)),
            ]
            let outcomes = try await database.recordUpdates(inputs, now: now) { state, input in
                conversation.step(state: state, input: input, now: now, acceptingNewPendingActions: true)
            }
            #expect(outcomes.count == 2)
            #expect(try await database.queuedRows(limit: 10).map(\.updateID) == [2])
            let state = try await database.conversationState(userID: 31)
            #expect(state.pending == nil)
            #expect(state.lastAction == LastAction(userID: 31, action: .checkIn, site: "Depot", distanceMetres: 0, recordedAt: now))
            #expect(try await database.queuedMessages(limit: 10).count == 2)
        }
    }

    @Test("a batch leaves exactly what the same updates leave one at a time: state, tombstones, rows, replies and answers",
          arguments: StoreBackend.allCases, [UInt64(1), 2, 3])
    func batchEqualsOneByOne(_ backend: StoreBackend, seed: UInt64) async throws {
        let sites = [Site(name: "Depot", latitude: 52.5, longitude: 13.4, radiusMetres: 500)]
        let conversation = Conversation(locationService: LocationService(sites: sites), pendingActionTTL: .seconds(1_800))
        let now = Self.now
        let users = (1...3).map { User(id: Int64(40 + $0), firstName: "U\($0)") }
        var random = SeededGenerator(seed: seed)
        var inputs: [ConversationInput] = []
        for updateID in Int64(1)...80 {
            let user = users.randomElement(using: &random)!
            let event: ConversationInput.Event = switch Int.random(in: 0..<8, using: &random) {
            case 0: .command(.checkin)
            case 1: .command(.checkout)
            case 2: .command(.cancel)
            case 3: .command(.status)
            case 4, 5: .location(latitude: 52.5, longitude: 13.4)
            case 6: .location(latitude: 10, longitude: 10)
            default: .other
            }
            let callback: String? = if case .other = event { "cb\(updateID)" } else { nil }
            inputs.append(ConversationInput(updateID: updateID, user: user, chatID: user.id, sentAt: now, event: event, callbackQueryID: callback))
            if Int.random(in: 0..<10, using: &random) == 0, let earlier = inputs.randomElement(using: &random) { inputs.append(earlier) }
        }
        let decide: @Sendable (ConversationState, ConversationInput) -> ConversationStep = { state, input in
            conversation.step(state: state, input: input, now: now, acceptingNewPendingActions: true)
        }
        /// The first user's check-in expired and was cleaned up: a location from them meets its tombstone.
        func prepare(_ store: any BotStore) async throws {
            let opened = now.addingTimeInterval(-7_200)
            try await store.insertPendingActions([PendingAction(userID: users[0].id, action: .checkIn, createdAt: opened,
                                                                expiresAt: opened.addingTimeInterval(1_800))])
            #expect(try await store.deleteExpiredPendingActions(now: now.addingTimeInterval(-60), tombstoneRetention: .seconds(86_400)) == 1)
        }
        func contents(_ store: any BotStore) async throws -> String {
            var lines: [String] = []
            for user in users {
                let state = try await store.conversationState(userID: user.id)
                lines.append("state \(user.id): \(String(describing: state.pending)) \(String(describing: state.lastAction))")
                // A later location shows what only a location reads: the tombstone, if one is left.
                let probe = ConversationInput(updateID: 1_000 + user.id, user: user, chatID: user.id, sentAt: now,
                                              event: .location(latitude: 10, longitude: 10))
                let answer = try await store.recordUpdates([probe], now: now) { state, _ in
                    ConversationStep(replies: [OutgoingReply(chatID: user.id, text: "tombstone: \(String(describing: state.expired))")])
                }
                lines.append("probe \(user.id): \(answer)")
            }
            lines += try await store.queuedRows(limit: 1_000).map { "row \($0.updateID) \($0.cells)" }
            lines += try await store.queuedMessages(limit: 1_000).map { "message \($0.chatID) \($0.text) \(String(describing: $0.replyMarkup))" }
            lines += try await store.queuedCallbackAnswers(limit: 1_000).map { "answer \($0.callbackQueryID) \(String(describing: $0.text))" }
            return lines.joined(separator: "\n")
        }
        try await withStore(backend) { batched in
            try await withStore(backend) { oneByOne in
                try await prepare(batched)
                try await prepare(oneByOne)
                let batchOutcomes = try await batched.recordUpdates(inputs, now: now, decide: decide)
                var singleOutcomes: [UpdateOutcome] = []
                for input in inputs { singleOutcomes += try await oneByOne.recordUpdates([input], now: now, decide: decide) }
                #expect(batchOutcomes == singleOutcomes)
                #expect(batchOutcomes.contains(.duplicate))
                let expected = try await contents(oneByOne)
                #expect(expected.contains("row "), "the sequence should make at least one row")
                #expect(try await contents(batched) == expected)
            }
        }
    }

    @Test("arrival records commit with their updates; a redelivery keeps the first arrival", arguments: StoreBackend.allCases)
    func arrivalsWithUpdates(_ backend: StoreBackend) async throws {
        try await withStore(backend) { database in
            let input = ConversationInput(updateID: 5, user: User(id: 1, firstName: "A"), chatID: 1, sentAt: nil, event: .unknownText)
            let first = ReceivedUpdateRecord(updateID: 5, receivedAt: Self.now, source: .webhook, raw: #"{"update_id":5}"#)
            let again = ReceivedUpdateRecord(updateID: 5, receivedAt: Self.now.addingTimeInterval(9), source: .polling, raw: "{}")
            let recorded = try await database.recordUpdates([input], arrivals: [first], now: Self.now) { _, _ in .silence }
            let redelivered = try await database.recordUpdates([input], arrivals: [again], now: Self.now) { _, _ in .silence }
            #expect(recorded == [.recorded(.silence)])
            #expect(redelivered == [.duplicate])
            #expect(try await database.receivedUpdates(from: .distantPast) == [first])
        }
    }

    @Test("an arrival is kept in its update's processed row: the earliest arrival is read, pruning clears it, de-duplication outlives it",
          arguments: StoreBackend.allCases)
    func arrivalsInProcessedRows(_ backend: StoreBackend) async throws {
        try await withStore(backend) { database in
            let t0 = Self.now
            func input(_ id: Int64) -> ConversationInput {
                ConversationInput(updateID: id, user: User(id: id, firstName: "A"), chatID: id, sentAt: nil, event: .unknownText)
            }
            func arrival(_ id: Int64, at offset: TimeInterval, _ source: ReceivedUpdateRecord.Source = .webhook) -> ReceivedUpdateRecord {
                ReceivedUpdateRecord(updateID: id, receivedAt: t0.addingTimeInterval(offset), source: source, raw: #"{"update_id":\#(id)}"#)
            }
            // Update 7 first arrived while the store was unreachable (the journal kept it), then
            // was delivered again and processed; update 8 says it arrived after it was processed.
            try await database.appendJournal(events: [], updates: [arrival(7, at: 0)])
            _ = try await database.recordUpdates([input(7), input(8)], arrivals: [arrival(7, at: 5), arrival(8, at: 60, .polling)],
                                                 now: t0.addingTimeInterval(10)) { _, _ in .silence }
            #expect(try await database.receivedUpdates(from: .distantPast) == [arrival(7, at: 0), arrival(8, at: 10, .polling)])
            #expect(try await database.receivedUpdates(from: t0.addingTimeInterval(1)) == [arrival(8, at: 10, .polling)])
            #expect(try await database.arrivalsPerMinute(since: .distantPast).map(\.count).reduce(0, +) == 2)

            // De-duplication is due after a day, the arrivals after UPDATE_RETENTION: rows still
            // holding an arrival stay.
            let later = t0.addingTimeInterval(86_400 * 2)
            #expect(try await database.pruneProcessedUpdates(olderThan: later) == 0)
            #expect(try await database.isProcessed(updateID: 8))
            #expect(try await database.pruneJournal(olderThan: later, keepingAtMost: 100) == 3)
            #expect(try await database.receivedUpdates(from: .distantPast).isEmpty)
            #expect(try await database.isProcessed(updateID: 8))
            #expect(try await database.pruneProcessedUpdates(olderThan: later) == 2)
            #expect(try await !database.isProcessed(updateID: 8))

            // The row cap keeps the newest arrivals.
            _ = try await database.recordUpdates([input(20), input(21), input(22)], arrivals: [arrival(20, at: 1), arrival(21, at: 2), arrival(22, at: 3)],
                                                 now: t0.addingTimeInterval(10)) { _, _ in .silence }
            #expect(try await database.pruneJournal(olderThan: .distantPast, keepingAtMost: 1) == 2)
            #expect(try await database.receivedUpdates(from: .distantPast) == [arrival(22, at: 3)])
            #expect(try await database.recordUpdates([input(21)], now: later) { _, _ in .silence } == [.duplicate])
        }
    }

    @Test("expired pending actions and day-old update ids are deleted, live ones kept", arguments: StoreBackend.allCases)
    func cleanup(_ backend: StoreBackend) async throws {
        try await withStore(backend) { database in
            try await database.insertPendingActions((1...10).map { id in
                PendingAction(userID: id, action: .checkIn, createdAt: Self.now.addingTimeInterval(-100),
                              expiresAt: Self.now.addingTimeInterval(id <= 4 ? -1 : 100))
            })
            #expect(try await database.deleteExpiredPendingActions(now: Self.now) == 4)
            #expect(try await database.pendingActionCount() == 6)
            let old = ConversationInput(updateID: 1, user: nil, chatID: nil, sentAt: nil, event: .other)
            let recent = ConversationInput(updateID: 2, user: nil, chatID: nil, sentAt: nil, event: .other)
            _ = try await database.recordUpdates([old], now: Self.now.addingTimeInterval(-90_000)) { _, _ in .silence }
            _ = try await database.recordUpdates([recent], now: Self.now) { _, _ in .silence }
            #expect(try await database.pruneProcessedUpdates(olderThan: Self.now.addingTimeInterval(-86_400)) == 1)
            #expect(try await !database.isProcessed(updateID: 1))
            #expect(try await database.isProcessed(updateID: 2))
        }
    }

    @Test("a callback answer is recorded with its update, once, and can be failed, aged out and deleted", arguments: StoreBackend.allCases)
    func callbackAnswers(_ backend: StoreBackend) async throws {
        try await withStore(backend) { database in
            let press = { (updateID: Int64, queryID: String) in
                ConversationInput(updateID: updateID, user: User(id: 1, firstName: "A"), chatID: 1, sentAt: nil, event: .other,
                                  callbackQueryID: queryID)
            }
            let answer: @Sendable (ConversationState, ConversationInput) -> ConversationStep = { _, input in
                ConversationStep(callbackAnswer: CallbackAnswer(callbackQueryID: input.callbackQueryID!, text: "stale"))
            }
            // A redelivered update records nothing more.
            _ = try await database.recordUpdates([press(1, "q1"), press(1, "q1")], now: Self.now.addingTimeInterval(-60), decide: answer)
            _ = try await database.recordUpdates([press(2, "q2")], now: Self.now, decide: answer)
            let queued = try await database.queuedCallbackAnswers(limit: 10)
            #expect(queued.map(\.answer) == [CallbackAnswer(callbackQueryID: "q1", text: "stale"), CallbackAnswer(callbackQueryID: "q2", text: "stale")])
            #expect(queued.map(\.createdAt) == [Self.now.addingTimeInterval(-60), Self.now])

            try await database.recordCallbackAnswerFailure(id: try #require(queued[1].id), error: "502")
            #expect(try await database.queuedCallbackAnswers(limit: 10).map(\.attempts) == [0, 1])
            #expect(try await database.queuedCallbackAnswers(limit: 10).map(\.lastError) == [nil, "502"])
            #expect(try await database.deleteCallbackAnswers(recordedBefore: Self.now.addingTimeInterval(-30)) == 1)
            try await database.deleteCallbackAnswers(ids: [try #require(queued[1].id)])
            #expect(try await database.queuedCallbackAnswerCount() == 0)
        }
    }

    @Test("outbox attempts, failures and deletions are recorded per row key", arguments: StoreBackend.allCases)
    func outboxBookkeeping(_ backend: StoreBackend) async throws {
        try await withStore(backend) { database in
            let inputs = (1...3).map { ConversationInput(updateID: Int64($0), user: nil, chatID: nil, sentAt: nil, event: .other) }
            _ = try await database.recordUpdates(inputs, now: Self.now) { _, input in
                ConversationStep(effects: [.enqueueRow(AttendanceRow(updateID: input.updateID, cells: ["\(input.updateID)"]))])
            }
            #expect(try await !database.hasAttemptedRows())
            try await database.recordAppendAttempt(updateIDs: [1, 2], startedAt: Self.now)
            try await database.recordAppendFailure(updateIDs: [1, 2], error: "503")
            #expect(try await database.hasAttemptedRows())
            let rows = try await database.queuedRows(limit: 10)
            #expect(rows.map(\.attempts) == [1, 1, 0])
            #expect(rows.map(\.lastAttemptAt) == [Self.now, Self.now, nil])
            #expect(rows.map(\.lastError) == ["503", "503", nil])
            #expect(try await database.deleteAppendedRows(updateIDs: [1]) == 1)
            #expect(try await database.queuedRows(limit: 10).map(\.updateID) == [2, 3])
            #expect(try await database.outboxStatus().queued == 2)
        }
    }
}
