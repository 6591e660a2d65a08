@testable import Bot
import FakeSheets
import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import MetroSupport

@Suite struct OutboxWorkerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let quietLogger: Logger = {
        var logger = Logger(label: "outbox-test")
        logger.logLevel = .critical
        return logger
    }()

    /// Queues one row per update id, as the intake would.
    static func queueRows(_ ids: [Int64], in database: any BotStore) async throws {
        let inputs = ids.map { ConversationInput(updateID: $0, user: nil, chatID: nil, sentAt: nil, event: .other) }
        _ = try await database.recordUpdates(inputs, now: now) { _, input in
            let user = User(id: 1000 + input.updateID, firstName: "User", username: "u\(input.updateID)")
            return ConversationStep(effects: [.enqueueRow(AttendanceRow(
                updateID: input.updateID, timestamp: now, user: user, action: .checkIn,
                latitude: 40.4168, longitude: -3.7038, site: "Madrid HQ", distanceMetres: 4))])
        }
    }

    static func worker(_ world: SheetsWorld, database: any BotStore, doorbell: Doorbell = Doorbell(),
                       clientTimeout: Duration = .seconds(5), settleDelay: Duration = .milliseconds(50)) throws -> OutboxWorker {
        OutboxWorker(database: database, sheets: try world.sheetsClient(timeout: clientTimeout), doorbell: doorbell,
                     backoff: Backoff(base: .milliseconds(20), maximum: .milliseconds(100)),
                     circuitBreaker: CircuitBreaker(failureThreshold: 100, coolDown: .milliseconds(50)),
                     settleDelay: settleDelay, logger: quietLogger)
    }

    /// Runs `worker` until `done` holds, then shuts it down gracefully.
    static func run(_ worker: OutboxWorker, until description: String, _ done: @escaping @Sendable () async throws -> Bool) async throws {
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                try await eventually(description, done)
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    @Test("while appends fail, the oldest row's wait past 1 and 5 minutes is journaled once, and so is the backlog's end")
    func backlogJournaled() async throws {
        try await SheetsWorld.withWorld { world in
            let database = try BotDatabase(path: world.databasePath)
            defer { try? database.close() }
            try await Self.queueRows([1, 2], in: database)
            let journal = EventJournal(database: database, logger: Self.quietLogger)
            _ = try await world.fake.addFault(SheetsFaultRule(operation: .append, respond: .init(status: 503), times: 3))
            let worker = OutboxWorker(
                database: database, sheets: try world.sheetsClient(), doorbell: Doorbell(),
                backoff: Backoff(base: .milliseconds(20), maximum: .milliseconds(100)),
                circuitBreaker: CircuitBreaker(failureThreshold: 100, coolDown: .milliseconds(50)),
                settleDelay: .milliseconds(50), now: { Self.now.addingTimeInterval(400) },  // rows queued 400 s ago
                logger: Self.quietLogger, metrics: BotMetrics(journal: journal))
            try await Self.run(worker, until: "both rows appended") { try await world.sheetRows().count == 2 }
            await journal.flush()
            let backlog = try await database.events(from: .distantPast).filter { $0.kind == .outboxBacklog }
            #expect(backlog.map { $0.fields["level"] } == ["2", "0"], "\(backlog)")
            #expect(backlog.first?.fields["oldest_age_s"] == "400")
        }
    }

    @Test("rows are appended in order, with the right cells, and removed from the outbox", arguments: StoreBackend.allCases)
    func appendsInOrder(_ backend: StoreBackend) async throws {
        try await SheetsWorld.withWorld { world in
            try await withStore(backend) { database in
                let doorbell = Doorbell()
                let worker = try Self.worker(world, database: database, doorbell: doorbell)
                try await testGracefulShutdown { trigger in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await worker.run() }
                        // Rows queued while the worker sleeps are picked up when the doorbell rings.
                        try await Self.queueRows([11, 12, 13], in: database)
                        doorbell.ring()
                        try await eventually("3 rows in the sheet") { try await world.sheetRows().count == 3 }
                        try await Self.queueRows([14], in: database)
                        doorbell.ring()
                        try await eventually("4 rows in the sheet") { try await world.sheetRows().count == 4 }
                        trigger.triggerGracefulShutdown()
                        try await group.waitForAll()
                    }
                }
                let rows = try await world.sheetRows()
                #expect(rows.map { $0.last } == ["11", "12", "13", "14"])
                #expect(rows[0] == ["2027-01-15T08:00:00Z", "1011", "u11", "User", "check_in", "40.4168", "-3.7038", "Madrid HQ", "4", "11"])
                #expect(try await database.outboxStatus().queued == 0)
                #expect(worker.status.appendedTotal == 4)
            }
        }
    }

    @Test("two workers on one shared PostgreSQL outbox, each through its own store, append every row exactly once")
    func twoWorkersShareOutbox() async throws {
        try await SheetsWorld.withWorld { world in
            try await PostgresTestServer.withDatabase { settings in
                let stores = [try await PostgresTestServer.open(settings), try await PostgresTestServer.open(settings)]
                let rowCount: Int64 = 150
                try await Self.queueRows(Array(1...rowCount), in: stores[0])
                let workers = try stores.map { store in
                    OutboxWorker(database: store, sheets: try world.sheetsClient(), doorbell: Doorbell(),
                                 backoff: Backoff(base: .milliseconds(20), maximum: .milliseconds(100)),
                                 circuitBreaker: CircuitBreaker(failureThreshold: 100, coolDown: .milliseconds(50)),
                                 batchSize: 7, settleDelay: .milliseconds(50), logger: Self.quietLogger)
                }
                try await testGracefulShutdown { trigger in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for worker in workers { group.addTask { try await worker.run() } }
                        try await eventually("the shared outbox emptied") { try await stores[0].outboxStatus().queued == 0 }
                        trigger.triggerGracefulShutdown()
                        try await group.waitForAll()
                    }
                }
                let keys = try await world.sheetRows().map { $0.last ?? "" }
                #expect(keys.count == Int(rowCount), "a row was appended twice or never")
                #expect(Set(keys) == Set((1...rowCount).map { "\($0)" }))
                #expect(workers.map(\.status.appendedTotal).reduce(0, +) == Int(rowCount))
                for store in stores { try await store.close() }
            }
        }
    }

    @Test("a Sheets answering 503 keeps the row queued with its error, then appends it exactly once")
    func unavailableSheets() async throws {
        try await SheetsWorld.withWorld { world in
            let database = try BotDatabase(path: world.databasePath)
            defer { try? database.close() }
            _ = try await world.fake.addFault(.appendUnavailable(times: 6))
            try await Self.queueRows([21], in: database)
            let worker = try Self.worker(world, database: database)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await worker.run() }
                    try await eventually("a failure recorded in the outbox") {
                        try await database.queuedRows(limit: 1).first?.lastError?.contains("503") == true
                    }
                    try await eventually("the row in the sheet") { try await world.sheetRows().count == 1 }
                    try await eventually("the outbox empty") { try await database.outboxStatus().queued == 0 }
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            #expect(try await world.sheetRows().map { $0.last } == ["21"])
            #expect(worker.status.failureTotal >= 1)
        }
    }

    @Test("an append that times out after Sheets committed it is not appended again")
    func timeoutAfterCommit() async throws {
        try await SheetsWorld.withWorld { world in
            let database = try BotDatabase(path: world.databasePath)
            defer { try? database.close() }
            // Held 1 s, committed, answered too late for a client that waits 400 ms.
            _ = try await world.fake.addFault(.slowAppend(.seconds(1)))
            try await Self.queueRows([31], in: database)
            let worker = try Self.worker(world, database: database, clientTimeout: .milliseconds(400), settleDelay: .milliseconds(1_500))
            try await Self.run(worker, until: "the row found in the sheet and removed from the outbox") {
                try await database.outboxStatus().queued == 0
            }
            #expect(try await world.sheetRows().map { $0.last } == ["31"])
            // The timed-out append, and possibly a check that timed out on a loaded machine.
            #expect(worker.status.failureTotal >= 1)
            #expect(worker.status.alreadyPresentTotal == 1)
            #expect(worker.status.appendedTotal == 0)
        }
    }

    @Test("a crash between append and delete: the next worker finds the row in the sheet and does not append it twice")
    func crashBetweenAppendAndDelete() async throws {
        try await SheetsWorld.withWorld { world in
            do {
                // The first process: counts the attempt, appends through the client, dies before deleting.
                let database = try BotDatabase(path: world.databasePath)
                try await Self.queueRows([41, 42], in: database)
                let rows = try await database.queuedRows(limit: 1)
                try await database.recordAppendAttempt(updateIDs: rows.map(\.updateID))
                try await world.sheetsClient().appendRows(rows.map(\.cells))
                try database.close()
            }
            let database = try BotDatabase(path: world.databasePath)
            defer { try? database.close() }
            #expect(try await database.outboxStatus().queued == 2)
            let worker = try Self.worker(world, database: database)
            try await Self.run(worker, until: "the outbox empty") { try await database.outboxStatus().queued == 0 }
            #expect(try await world.sheetRows().map { $0.last } == ["41", "42"])
            #expect(worker.status.alreadyPresentTotal == 1)
            #expect(worker.status.appendedTotal == 1)
        }
    }

    @Test("restarted while the killed worker's append is still held by Sheets: the new worker waits for it to settle, finds the row and does not append it again")
    func restartWhileAppendInFlight() async throws {
        try await SheetsWorld.withWorld { world in
            // Sheets holds the first append 1 s before committing it, whether or not its client is still there.
            _ = try await world.fake.addFault(.slowAppend(.seconds(1)))
            // The attempt is recorded before the token exchange, which may take up to its own 5 s
            // timeout on a loaded machine; the held append then commits 1 s after it arrives. The
            // settle delay must cover both, as 3 × HTTP_TIMEOUT does in the bot.
            let settleDelay = Duration.seconds(8)
            do {
                // The first process: killed (its services cancelled) while its append is held.
                let database = try BotDatabase(path: world.databasePath)
                try await Self.queueRows([61], in: database)
                let worker = try Self.worker(world, database: database, settleDelay: settleDelay)
                await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await worker.run() }
                    await eventually("the append held by Sheets") { await !world.fake.heldRequests().isEmpty }
                    group.cancelAll()
                }
                try database.close()
            }
            // The next process, on the same file, started at once.
            let database = try BotDatabase(path: world.databasePath)
            defer { try? database.close() }
            let queued = try #require(try await database.queuedRows(limit: 10).first)
            #expect(queued.attempts == 1)
            let attemptedAt = try #require(queued.lastAttemptAt)
            let worker = try Self.worker(world, database: database, settleDelay: settleDelay)
            try await Self.run(worker, until: "the outbox empty") { try await database.outboxStatus().queued == 0 }
            await eventually("the held append finished") { await world.fake.heldRequests().isEmpty }

            #expect(try await world.sheetRows().map { $0.last } == ["61"], "exactly one row")
            #expect(worker.status.alreadyPresentTotal == 1)
            #expect(worker.status.appendedTotal == 0)
            let calls = await world.fake.calls()
            let appends = calls.filter { $0.operation == "append" }
            #expect(appends.map(\.status) == [200], "the held append, committed after its client went away, is the only one")
            let check = try #require(calls.first { $0.operation == "get" && $0.range?.contains("J:J") == true })
            #expect(check.at >= attemptedAt.addingTimeInterval(settleDelay.timeInterval - 0.01), "checked only once the append settled")
        }
    }

    @Test("a crash after a confirmed batch of several rows: none of them is appended again, the rest follow in order")
    func crashAfterConfirmedBatch() async throws {
        try await SheetsWorld.withWorld { world in
            do {
                // The first process appends rows 61–63 in one values.append and dies before deleting them.
                let database = try BotDatabase(path: world.databasePath)
                try await Self.queueRows([61, 62, 63, 64, 65], in: database)
                let rows = try await database.queuedRows(limit: 3)
                try await database.recordAppendAttempt(updateIDs: rows.map(\.updateID))
                try await world.sheetsClient().appendRows(rows.map(\.cells))
                try database.close()
            }
            let database = try BotDatabase(path: world.databasePath)
            defer { try? database.close() }
            #expect(try await database.outboxStatus().queued == 5)
            let worker = try Self.worker(world, database: database)
            try await Self.run(worker, until: "the outbox empty") { try await database.outboxStatus().queued == 0 }
            #expect(try await world.sheetRows().map { $0.last } == ["61", "62", "63", "64", "65"])
            #expect(worker.status.alreadyPresentTotal == 3)
            #expect(worker.status.appendedTotal == 2)
        }
    }

    @Test("on graceful shutdown with Sheets down the rows stay in the store for the next start")
    func shutdownKeepsRows() async throws {
        try await SheetsWorld.withWorld { world in
            let database = try BotDatabase(path: world.databasePath)
            defer { try? database.close() }
            _ = try await world.fake.addFault(SheetsFaultRule(operation: .append, respond: .init(status: 503)))
            try await Self.queueRows([51], in: database)
            let worker = try Self.worker(world, database: database)
            try await Self.run(worker, until: "a failed attempt") { worker.status.failureTotal >= 1 }
            #expect(try await database.outboxStatus().queued == 1)
            #expect(try await world.sheetRows().isEmpty)
        }
    }
}
