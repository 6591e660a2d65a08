@testable import Bot
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

/// What sharing one PostgreSQL database between bot processes adds to the store's semantics:
/// claims, leases, shared conversation state, migrations under a lock, and start-up errors. Each
/// test has a database of its own on `METRO_TEST_POSTGRES_URL`'s server (`StoreBackends.swift`);
/// two `PostgresStore`s on it are two bot processes (two clients, two connection pools).
@Suite struct PostgresStoreTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// Queues `count` outbox rows (update ids 1...count).
    static func enqueueRows(_ count: Int, in store: any BotStore) async throws {
        let inputs = (1...count).map { ConversationInput(updateID: Int64($0), user: nil, chatID: nil, sentAt: nil, event: .other) }
        _ = try await store.recordUpdates(inputs, now: now) { _, input in
            ConversationStep(effects: [.enqueueRow(AttendanceRow(updateID: input.updateID, cells: ["\(input.updateID)"]))])
        }
    }

    @Test("two stores racing on one outbox claim every row exactly once")
    func outboxRace() async throws {
        try await PostgresTestServer.withDatabase { settings in
            // Three processes, each with its one outbox worker.
            let stores = [try await PostgresTestServer.open(settings), try await PostgresTestServer.open(settings),
                          try await PostgresTestServer.open(settings)]
            let rowCount = 600
            try await Self.enqueueRows(rowCount, in: stores[0])
            // Each store claims a small batch, "appends" it (records what it claimed) and deletes
            // it, as the outbox worker does, until the outbox is empty.
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for store in stores {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let batch = try await store.claimQueuedRows(limit: 7, countingAttemptAt: Self.now)
                            if batch.isEmpty { return mine }
                            #expect(batch.allSatisfy { !$0.claimAbandoned })
                            mine += batch.map(\.updateID)
                            let deleted = try await store.deleteAppendedRows(updateIDs: batch.map(\.updateID))
                            #expect(deleted == batch.count, "a claimed row was deleted by another store")
                        }
                    }
                }
                var all: [[Int64]] = []
                for try await mine in group { all.append(mine) }
                return all
            }
            let union = claimed.flatMap { $0 }
            #expect(union.count == rowCount, "a row was claimed twice or never")
            #expect(Set(union) == Set((1...Int64(rowCount)).map { $0 }))
            #expect(try await stores[0].outboxStatus().queued == 0)
            for store in stores { try await store.close() }
        }
    }

    @Test("two stores racing on the replies claim every message and answer exactly once, each chat in order")
    func replyRace() async throws {
        try await PostgresTestServer.withDatabase { settings in
            // Three processes, each with its one reply sender.
            let stores = [try await PostgresTestServer.open(settings), try await PostgresTestServer.open(settings),
                          try await PostgresTestServer.open(settings)]
            let messageCount = 400
            let inputs: [ConversationInput] = (1...messageCount).map { (id: Int) -> ConversationInput in
                let chat = Int64(id % 9)
                let query: String? = id % 4 == 0 ? "q\(id)" : nil
                return ConversationInput(updateID: Int64(id), user: User(id: chat, firstName: "U"), chatID: chat,
                                         sentAt: nil, event: .other, callbackQueryID: query)
            }
            _ = try await stores[0].recordUpdates(inputs, now: Self.now) { _, input in
                ConversationStep(replies: [OutgoingReply(chatID: input.chatID!, text: "m\(input.updateID)")],
                                 callbackAnswer: input.callbackQueryID.map { CallbackAnswer(callbackQueryID: $0) })
            }
            struct Sent: Sendable { var messages: [OutgoingMessage] = []; var answers: [String] = [] }
            let sent = try await withThrowingTaskGroup(of: Sent.self) { group in
                for store in stores {
                    group.addTask {
                        var mine = Sent()
                        while true {
                            let (answers, messages) = try await store.claimQueuedReplies(limit: 5)
                            if answers.isEmpty && messages.isEmpty {
                                // Messages of a chat another store holds are not handed out: the
                                // queue is empty only once every store deleted what it sent.
                                let messagesLeft = try await store.queuedMessageCount()
                                let answersLeft = try await store.queuedCallbackAnswerCount()
                                if messagesLeft == 0 && answersLeft == 0 { return mine }
                                await Task.yield()
                                continue
                            }
                            mine.messages += messages
                            mine.answers += answers.map(\.callbackQueryID)
                            try await store.deleteSentReplies(messageIDs: messages.compactMap(\.id), answerIDs: answers.compactMap(\.id))
                        }
                    }
                }
                var all: [Sent] = []
                for try await mine in group { all.append(mine) }
                return all
            }
            let texts = sent.flatMap { $0.messages.map(\.text) }
            #expect(texts.count == messageCount, "a message was claimed twice or never")
            #expect(Set(texts) == Set((1...messageCount).map { "m\($0)" }))
            let answers = sent.flatMap(\.answers)
            #expect(answers.count == messageCount / 4)
            #expect(Set(answers).count == messageCount / 4)
            for worker in sent {
                for chat in Set(worker.messages.map(\.chatID)) {
                    let ids = worker.messages.filter { $0.chatID == chat }.compactMap(\.id)
                    #expect(ids == ids.sorted(), "chat \(chat)'s messages out of order")
                }
            }
            for store in stores { try await store.close() }
        }
    }

    @Test("a chat's messages are not handed to a second store while the first holds an older one")
    func replyChatOrder() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let first = try await PostgresTestServer.open(settings)
            let second = try await PostgresTestServer.open(settings)
            let inputs = (1...2).map { ConversationInput(updateID: $0, user: nil, chatID: 5, sentAt: nil, event: .other) }
            _ = try await first.recordUpdates(Array(inputs.prefix(1)), now: Self.now) { _, input in
                ConversationStep(replies: [OutgoingReply(chatID: 5, text: "older \(input.updateID)")])
            }
            #expect(try await first.claimQueuedReplies(limit: 10).messages.map(\.text) == ["older 1"])
            _ = try await first.recordUpdates(Array(inputs.suffix(1)), now: Self.now) { _, input in
                ConversationStep(replies: [OutgoingReply(chatID: 5, text: "newer \(input.updateID)"),
                                           OutgoingReply(chatID: 6, text: "other chat")])
            }
            #expect(try await second.claimQueuedReplies(limit: 10).messages.map(\.text) == ["other chat"])
            // The holder gets its own claim again, with the chat's newer message after it.
            #expect(try await first.claimQueuedReplies(limit: 10).messages.map(\.text) == ["older 1", "newer 2"])
            try await first.close()
            try await second.close()
        }
    }

    @Test("rows another store holds are skipped while its lease lasts, and only the holder counts attempts on them")
    func leases() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let holder = try await PostgresTestServer.open(settings, claimLease: .seconds(3_600))
            let other = try await PostgresTestServer.open(settings)
            try await Self.enqueueRows(3, in: holder)
            #expect(try await holder.claimQueuedRows(limit: 2, countingAttemptAt: Self.now).map(\.updateID) == [1, 2])
            let rest = try await other.claimQueuedRows(limit: 10, countingAttemptAt: Self.now)
            #expect(rest.map(\.updateID) == [3])
            #expect(rest.map(\.claimAbandoned) == [false])
            // The holder may count another attempt on its own rows; the other store may not.
            try await holder.recordAppendAttempt(updateIDs: [1, 2], startedAt: Self.now)
            await #expect(throws: ClaimLostError.self) {
                try await other.recordAppendAttempt(updateIDs: [1], startedAt: Self.now)
            }
            try await holder.close()
            try await other.close()
        }
    }

    @Test("rows whose lease ran out unfinished are taken over, marked abandoned so that the sheet is checked first")
    func abandonedClaims() async throws {
        try await PostgresTestServer.withDatabase { settings in
            // A lease that is over as soon as it is taken: a process that stopped mid-append,
            // seen after its lease ran out.
            let stopped = try await PostgresTestServer.open(settings, claimLease: .zero)
            let survivor = try await PostgresTestServer.open(settings)
            try await Self.enqueueRows(3, in: stopped)
            #expect(try await stopped.claimQueuedRows(limit: 10, countingAttemptAt: Self.now).map(\.updateID) == [1, 2, 3])
            try await stopped.close()
            let takenOver = try await survivor.claimQueuedRows(limit: 10, countingAttemptAt: nil)
            #expect(takenOver.map(\.updateID) == [1, 2, 3])
            #expect(takenOver.allSatisfy { $0.claimAbandoned })
            // Returned as read before this claim: the attempt the stopped process counted.
            #expect(takenOver.map(\.attempts) == [1, 1, 1])
            #expect(takenOver.map(\.lastAttemptAt) == [Self.now, Self.now, Self.now])
            // Its own rows, claimed again, are not abandoned.
            #expect(try await survivor.claimQueuedRows(limit: 10, countingAttemptAt: nil).allSatisfy { !$0.claimAbandoned })
            try await survivor.close()
        }
    }

    @Test("a store that closes hands its claims over at once: another takes the rows and replies as abandoned")
    func closeHandsClaimsOver() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let leaving = try await PostgresTestServer.open(settings, claimLease: .seconds(3_600))
            let staying = try await PostgresTestServer.open(settings)
            try await Self.enqueueRows(3, in: leaving)
            #expect(try await leaving.claimQueuedRows(limit: 2, countingAttemptAt: Self.now).map(\.updateID) == [1, 2])
            // While the leaving store holds them, its rows are not the other's to take.
            #expect(try await staying.claimQueuedRows(limit: 10, countingAttemptAt: nil).map(\.updateID) == [3])
            try await leaving.close()
            let takenOver = try await staying.claimQueuedRows(limit: 10, countingAttemptAt: nil)
            #expect(takenOver.map(\.updateID) == [1, 2, 3])
            #expect(takenOver.map(\.claimAbandoned) == [true, true, false])
            try await staying.close()
        }
    }

    @Test("a check-in opened through one store is completed by a location through another: one row")
    func splitFlow() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let a = try await PostgresTestServer.open(settings)
            let b = try await PostgresTestServer.open(settings)
            let sites = [Site(name: "Depot", latitude: 52.5, longitude: 13.4, radiusMetres: 500)]
            let conversation = Conversation(locationService: LocationService(sites: sites), pendingActionTTL: .seconds(1_800))
            let decide: @Sendable (ConversationState, ConversationInput) -> ConversationStep = { state, input in
                conversation.step(state: state, input: input, now: Self.now, acceptingNewPendingActions: true)
            }
            let user = User(id: 77, firstName: "Ana")
            let checkIn = ConversationInput(updateID: 1, user: user, chatID: 77, sentAt: Self.now, event: .command(.checkin))
            let location = ConversationInput(updateID: 2, user: user, chatID: 77, sentAt: Self.now,
                                             event: .location(latitude: 52.5, longitude: 13.4))
            _ = try await a.recordUpdates([checkIn], now: Self.now, decide: decide)
            #expect(try await b.conversationState(userID: 77).pending?.action == .checkIn)
            _ = try await b.recordUpdates([location], now: Self.now, decide: decide)
            // Telegram redelivers the location to the first instance: nothing more.
            #expect(try await a.recordUpdates([location], now: Self.now, decide: decide) == [.duplicate])
            let rows = try await a.queuedRows(limit: 10)
            #expect(rows.map(\.updateID) == [2])
            #expect(rows.first?.cells.contains("Depot") == true)
            let state = try await a.conversationState(userID: 77)
            #expect(state.pending == nil)
            #expect(state.lastAction?.site == "Depot")
            try await a.close()
            try await b.close()
        }
    }

    @Test("two stores opening a new database together apply each migration once")
    func concurrentMigrations() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
                for _ in 0..<4 { group.addTask { try await PostgresTestServer.open(settings) } }
                var stores: [PostgresStore] = []
                for try await store in group { stores.append(store) }
                return stores
            }
            for store in stores {
                #expect(try await store.schemaVersion() == PostgresStore.supportedSchemaVersion)
            }
            let counts = try await stores[0].client.query("SELECT count(*), count(DISTINCT version) FROM schema_migrations")
                .collect().first?.decode((Int64, Int64).self)
            #expect(counts?.0 == Int64(PostgresMigrations.all.count))
            #expect(counts?.1 == Int64(PostgresMigrations.all.count))
            for store in stores { try await store.close() }
        }
    }

    @Test("a database migrated by a newer bot refuses to open, saying which versions and what to do")
    func schemaTooNew() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let store = try await PostgresTestServer.open(settings)
            try await store.client.query("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')")
            try await store.close()
            let error = await #expect(throws: SchemaTooNewError.self) {
                _ = try await PostgresTestServer.open(settings)
            }
            #expect(error == SchemaTooNewError(found: 99, supported: PostgresStore.supportedSchemaVersion))
            let text = error.map(String.init(describing:)) ?? ""
            #expect(text.contains("version 99"))
            #expect(text.contains("version \(PostgresStore.supportedSchemaVersion) this metro-bot supports"))
            #expect(text.contains("deploy the newer metro-bot"))
        }
    }

    @Test("a wrong password is retried with backoff, then refused with the server's reason and never the password")
    func wrongPassword() async throws {
        var settings = try PostgresTestServer.admin()
        settings.password = "not-the-password-4f1c9a"
        var configuration = PostgresStore.Configuration()
        configuration.startupAttempts = 2
        configuration.startupBackoff = Backoff(base: .milliseconds(1), maximum: .milliseconds(1))
        let logged = LogCapture()
        let error = await #expect(throws: PostgresStartupError.self) {
            _ = try await PostgresStore.open(settings: settings, configuration: configuration, logger: logged.logger)
        }
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("after 2 attempts"))
        #expect(text.contains("password authentication failed"))
        #expect(!text.contains("not-the-password-4f1c9a"))
        let lines = logged.lines
        #expect(lines.count == 1, "one retry logged: \(lines)")
        #expect(lines.allSatisfy { $0.contains("attempt=1/2") && $0.contains("next_attempt_at=") })
        #expect(lines.allSatisfy { !$0.contains("not-the-password-4f1c9a") })
    }

    @Test("an unreachable server is refused after the configured attempts, naming the database without its password")
    func unreachable() async throws {
        // A port nothing listens on: bound, learned and closed.
        let port = try freeLoopbackPort()
        let settings = PostgresConnectionSettings(host: "127.0.0.1", port: port, username: "metro", password: "s3cret-unreachable",
                                                  database: "bot", tls: .disable)
        var configuration = PostgresStore.Configuration()
        configuration.startupAttempts = 3
        configuration.startupBackoff = Backoff(base: .milliseconds(1), maximum: .milliseconds(1))
        let error = await #expect(throws: PostgresStartupError.self) {
            _ = try await PostgresStore.open(settings: settings, configuration: configuration, logger: LogCapture().logger)
        }
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("postgres://metro@127.0.0.1:\(port)/bot after 3 attempts"))
        #expect(!text.contains("s3cret-unreachable"))
    }

    @Test("while the database refuses connections operations fail as StoreUnavailable instead of hanging, and the store recovers")
    func outage() async throws {
        try await PostgresTestServer.withDatabase { settings in
            var configuration = PostgresStore.Configuration()
            configuration.startupAttempts = 1
            configuration.connectionTimeout = .seconds(1)
            let store = try await PostgresStore.open(settings: settings, configuration: configuration, logger: LogCapture().logger)
            try await Self.enqueueRows(2, in: store)
            let admin = try PostgresTestServer.admin()
            // An outage as the bot sees it: every session ended, no new one accepted.
            try await PostgresTestServer.execute("ALTER DATABASE \(settings.database) WITH ALLOW_CONNECTIONS false", on: admin)
            try await PostgresTestServer.execute("""
                SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = '\(settings.database)'
                """, on: admin)
            // An outage, not the statement's fault: the intake answers it with 503 and counts no try.
            let error = await #expect(throws: StoreUnavailable.self) { _ = try await store.outboxStatus() }
            #expect(error?.reason.hasPrefix("PostgreSQL") == true, "\(String(describing: error))")
            try await PostgresTestServer.execute("ALTER DATABASE \(settings.database) WITH ALLOW_CONNECTIONS true", on: admin)
            // Back: nothing was lost.
            await eventually("the store answers again", limit: .seconds(120)) {
                (try? await store.outboxStatus().queued) == 2
            }
            try await store.close()
        }
    }

    @Test("a store closed during an outage returns instead of waiting for the pool's reconnections")
    func closeDuringOutage() async throws {
        try await PostgresTestServer.withDatabase { settings in
            var configuration = PostgresStore.Configuration()
            configuration.startupAttempts = 1
            configuration.connectionTimeout = .seconds(1)
            let store = try await PostgresStore.open(settings: settings, configuration: configuration, logger: LogCapture().logger)
            let admin = try PostgresTestServer.admin()
            try await PostgresTestServer.execute("ALTER DATABASE \(settings.database) WITH ALLOW_CONNECTIONS false", on: admin)
            try await PostgresTestServer.execute("""
                SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = '\(settings.database)'
                """, on: admin)
            await #expect(throws: StoreUnavailable.self) { _ = try await store.pendingActionCount() }
            try await store.close()
            try await PostgresTestServer.execute("ALTER DATABASE \(settings.database) WITH ALLOW_CONNECTIONS true", on: admin)
        }
    }

    @Test("one process leads; the lead passes on when the holder resigns")
    func leadershipResign() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let a = PostgresLeadership(settings: settings, logger: PostgresTestServer.logger)
            let b = PostgresLeadership(settings: settings, logger: PostgresTestServer.logger)
            #expect(await a.claim())
            #expect(await !b.claim())
            #expect(await a.claim(), "the holder keeps the lead at each check")
            #expect(await !b.claim())
            await a.resign()
            #expect(await b.claim())
            #expect(await !a.claim())
            // Resigning closes each connection (postgres-nio requires it before release).
            await a.resign()
            await b.resign()
        }
    }

    @Test("when the leader's session dies the lock goes with it: the old leader knows it lost, another takes over")
    func leadershipFailover() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let a = PostgresLeadership(settings: settings, logger: LogCapture().logger)
            let b = PostgresLeadership(settings: settings, logger: PostgresTestServer.logger)
            #expect(await a.claim())
            #expect(await !b.claim())
            // What a SIGKILL or a network cut does to the leader's session (the call waits until
            // the session has ended).
            try await PostgresTestServer.execute("""
                SELECT pg_terminate_backend(pid, 10000) FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """, on: settings)
            #expect(await !a.claim(), "a lead whose session is gone is not held")
            #expect(await b.claim())
            #expect(await !a.claim())
            await a.resign()
            await b.resign()
        }
    }

    @Test("dates read back from PostgreSQL are the very Dates SQLite reads back")
    func datesMatchSQLite() async throws {
        let instants = [
            Self.now.addingTimeInterval(0.125), Self.now.addingTimeInterval(0.1), Self.now.addingTimeInterval(0.0009),
            Self.now.addingTimeInterval(0.999_9), StoredDate.range.lowerBound, StoredDate.range.upperBound,
            Date(timeIntervalSince1970: -1.5),
        ]
        let actions = instants.enumerated().map { index, instant in
            PendingAction(userID: Int64(index + 1), action: .checkIn, createdAt: instant, expiresAt: instant)
        }
        let fromSQLite = try await withStore(.sqlite) { store in
            try await store.insertPendingActions(actions)
            return try await actions.asyncMap { try await store.conversationState(userID: $0.userID).pending }
        }
        let fromPostgres = try await withStore(.postgres) { store in
            try await store.insertPendingActions(actions)
            return try await actions.asyncMap { try await store.conversationState(userID: $0.userID).pending }
        }
        #expect(fromPostgres == fromSQLite)
        #expect(fromPostgres.allSatisfy { $0 != nil })
    }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

/// Collects the warnings and errors a logger emits, as `key=value` lines.
final class LogCapture: Sendable {
    private let store = Mutex<[String]>([])

    var lines: [String] { store.withLock { $0 } }

    var logger: Logger {
        Logger(label: "capture") { _ in Handler(capture: self) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .warning

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.store.withLock { $0.append("\(event.message) \(fields)") }
        }
    }
}
