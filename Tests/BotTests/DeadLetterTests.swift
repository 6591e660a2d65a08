@testable import Bot
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
import MetroSupport

/// The poison-update rules: validation at the edge, dead letters, per-update retries, and the
/// admin routes that show and retry dead letters.
@Suite struct DeadLetterTests {
    static let user = User(id: 1001, firstName: "Ana", username: "ana")
    static let clock = Date(timeIntervalSince1970: 1_800_000_000)
    static let madrid = Location(latitude: 40.4168, longitude: -3.7038)

    static func message(_ id: Int64, date: Int64 = 1_800_000_000, from: User = user, text: String? = nil,
                        location: Location? = nil) -> Update {
        Update(updateID: id, message: Message(messageID: id, date: date, chat: Chat(id: from.id), from: from,
                                              text: text, location: location))
    }

    static func callback(_ id: Int64, queryID: String) -> Update {
        Update(updateID: id, callbackQuery: CallbackQuery(
            id: queryID, from: user, message: Message(messageID: 1, date: 1_800_000_000, chat: Chat(id: 1001)), data: "x"))
    }

    /// An intake over a fresh store whose updates get `attempts` tries.
    static func withIntake(attempts: Int = 3, _ body: (UpdateIntake, BotDatabase) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
            defer { try? database.close() }
            let intake = UpdateIntake(
                database: database,
                conversation: Conversation(locationService: LocationService(sites: try SitesFile.load(contentsOf: SitesFile.example)),
                                           pendingActionTTL: .seconds(1_800)),
                outboxDoorbell: Doorbell(), replyDoorbell: Doorbell(), logger: Logger(label: "test"), now: { clock },
                retrying: RetryingUpdates(maximumAttempts: attempts))
            try await body(intake, database)
        }
    }

    /// Makes every store of `updateID` fail, as a broken disk or a bug would, with a real SQLite
    /// trigger on the real store.
    static func plantFailure(for updateID: Int64, in database: BotDatabase) async throws {
        try await database.writer.write { db in
            try db.execute(sql: """
                CREATE TRIGGER planted_failure BEFORE INSERT ON processed_updates WHEN NEW.update_id = \(updateID)
                BEGIN SELECT RAISE(ABORT, 'planted failure'); END
                """)
        }
    }

    static func removePlantedFailure(in database: BotDatabase) async throws {
        try await database.writer.write { db in try db.execute(sql: "DROP TRIGGER planted_failure") }
    }

    // MARK: Validation

    @Test("every field the store keeps is checked against what it can hold and read back", arguments: [
        (message(1, text: "/start"), nil),
        (message(-1, text: "/start"), UpdateRejection.Code.invalidUpdateID),
        (message(Int64.max, text: "/start"), .invalidUpdateID),
        (message(2, date: 253_402_300_799, text: "/start"), nil),  // 9999-12-31T23:59:59Z
        (message(2, date: 253_402_300_800, location: madrid), .invalidDate),  // year 10000
        (message(2, date: Int64.max, location: madrid), .invalidDate),
        (message(2, date: Int64.min, location: madrid), .invalidDate),
        (callback(3, queryID: "q1"), nil),
        (callback(3, queryID: ""), .invalidCallbackQueryID),
        (callback(3, queryID: String(repeating: "q", count: 256)), nil),
        (callback(3, queryID: String(repeating: "q", count: 257)), .invalidCallbackQueryID),
        (message(4, from: User(id: 1, firstName: String(repeating: "A", count: 256)), text: "/start"), nil),
        (message(4, from: User(id: 1, firstName: String(repeating: "A", count: 257)), text: "/start"), .fieldTooLong),
        (message(4, from: User(id: 1, firstName: "A", lastName: String(repeating: "B", count: 300)), text: "/start"), .fieldTooLong),
        (message(4, from: User(id: 1, firstName: "A", username: String(repeating: "u", count: 65)), text: "/start"), .fieldTooLong),
    ] as [(Update, UpdateRejection.Code?)])
    func validation(update: Update, expected: UpdateRejection.Code?) {
        #expect(UpdateValidator.rejection(of: update)?.code == expected)
    }

    @Test("the store refuses a date it could not read back, whatever the caller checked")
    func storeRefusesUnreadableDates() async throws {
        try await Self.withIntake { intake, database in
            try await intake.handle(Self.message(1, text: "/checkin"))
            await #expect(throws: UnstorableDate.self) {
                try await intake.handle(Self.message(2, date: 253_402_300_800, location: Self.madrid))
            }
            #expect(try await database.queuedRows(limit: 10).isEmpty)
            _ = try await database.conversationState(userID: 1001)  // still readable
        }
    }

    // MARK: Dead letters

    @Test("an update that breaks a rule is a dead letter at once: raw JSON and reason kept, the user told once, redeliveries counted")
    func invalidUpdateIsDeadLettered() async throws {
        try await Self.withIntake { intake, database in
            let raw = #"{"update_id": 7, "callback_query": {"id": "", "from": {"id": 1001, "is_bot": false, "first_name": "Ana"}}}"#
            let received = ReceivedUpdate(Self.callback(7, queryID: ""), rawJSON: raw)
            let disposition = await intake.receive(received) { _ in Issue.record("an invalid update reached the store") }
            guard case .deadLettered(let rejection) = disposition else { Issue.record("\(disposition)"); return }
            #expect(rejection.code == .invalidCallbackQueryID)
            let letter = try #require(try await database.deadLetter(updateID: 7))
            #expect(letter.rawUpdate == raw)
            #expect(letter.reasonCode == .invalidCallbackQueryID)
            #expect(letter.attempts == 1)
            #expect(try await database.queuedMessages(limit: 10).map(\.text) == [Replies.unprocessable])

            // Delivered again: the same dead letter, one more attempt, no second apology.
            _ = await intake.receive(received) { _ in }
            #expect(try await database.deadLetter(updateID: 7)?.attempts == 2)
            #expect(try await database.queuedMessageCount() == 1)
            #expect(try await database.deadLetterSummary().count == 1)
        }
    }

    @Test("a far-future date is dead-lettered and leaves the user's state readable: the next check-in lands")
    func farFutureDateDoesNotPoisonTheUser() async throws {
        try await Self.withIntake { intake, database in
            let batch = [
                Self.message(1, text: "/checkin"),
                Self.message(2, date: 253_402_300_800, location: Self.madrid),
                Self.message(3, location: Self.madrid),
            ].map { ReceivedUpdate($0) }
            let dispositions = await intake.receive(batch)
            #expect(dispositions[0] == .processed)
            #expect(dispositions[1] == .deadLettered(UpdateValidator.rejection(of: batch[1].update)!))
            #expect(dispositions[2] == .processed)
            let rows = try await database.queuedRows(limit: 10)
            #expect(rows.map(\.updateID) == [3])
            let state = try await database.conversationState(userID: 1001)
            #expect(state.lastAction?.site == "Madrid HQ")
        }
    }

    @Test("an update the store keeps refusing is retried on its own, never holding up the others, then dead-lettered")
    func transientFailureBecomesDeadLetter() async throws {
        try await Self.withIntake(attempts: 3) { intake, database in
            try await Self.plantFailure(for: 42, in: database)
            let batch = [41, 42, 43].map { ReceivedUpdate(Self.message($0, from: User(id: $0, firstName: "U"), text: "/start")) }
            let first = await intake.receive(batch)
            #expect(first[0] == .processed && first[2] == .processed)
            guard case .retrying(1, let error) = first[1] else { Issue.record("\(first[1])"); return }
            #expect(error.contains("planted failure"))
            #expect(intake.retrying.count == 1)
            #expect(intake.retrying.oldest?.updateID == 42)
            let stored = try await [database.isProcessed(updateID: 41), database.isProcessed(updateID: 43)]
            #expect(stored == [true, true])

            guard case .retrying(2, _) = await intake.receive([batch[1]])[0] else { Issue.record("second try"); return }
            guard case .deadLettered(let rejection) = await intake.receive([batch[1]])[0] else { Issue.record("third try"); return }
            #expect(rejection.code == .keepsFailing)
            #expect(rejection.detail.contains("3 tries"))
            #expect(intake.retrying.count == 0)
            #expect(try await database.deadLetter(updateID: 42)?.reasonCode == .keepsFailing)
        }
    }

    @Test("an update that stored once clears its failures")
    func successClearsRetries() async throws {
        try await Self.withIntake(attempts: 3) { intake, database in
            try await Self.plantFailure(for: 5, in: database)
            let received = ReceivedUpdate(Self.message(5, text: "/start"))
            guard case .retrying = await intake.receive([received])[0] else { Issue.record("planted failure"); return }
            try await Self.removePlantedFailure(in: database)
            #expect(await intake.receive([received]) == [.processed])
            #expect(intake.retrying.count == 0)
            #expect(try await database.deadLetter(updateID: 5) == nil)
        }
    }

    @Test("undecodable content becomes a dead letter with the field that failed, without a reply (no chat is known)")
    func undecodableUpdate() async throws {
        try await Self.withIntake { intake, database in
            let received = ReceivedUpdate(Update(updateID: 9), rawJSON: #"{"update_id":9,"message":{"date":"x"}}"#,
                                          undecodable: "message.date has the wrong type")
            let dispositions = await intake.receive([received])
            #expect(dispositions == [.deadLettered(UpdateRejection(.undecodable, "message.date has the wrong type"))])
            let replies = try await database.queuedMessageCount()
            #expect(replies == 0)
            let letter = try await database.deadLetter(updateID: 9)
            #expect(letter?.rawUpdate == received.rawJSON)
        }
    }

    @Test("the poller confirms the settled prefix of a batch, and never overflows", arguments: [
        ([1, 2, 3], [UpdateDisposition.processed, .processed, .processed], Int64?.some(4)),
        ([1, 2, 3], [.processed, .retrying(attempt: 1, error: "x"), .processed], 2),
        ([1, 2, 3], [.retrying(attempt: 1, error: "x"), .processed, .processed], nil),
        ([1, 2], [.deadLettered(UpdateRejection(.invalidDate, "x")), .processed], 3),
        ([Int64.max], [.deadLettered(UpdateRejection(.invalidUpdateID, "x"))], Int64.max),
    ] as [([Int64], [UpdateDisposition], Int64?)])
    func pollerOffset(ids: [Int64], dispositions: [UpdateDisposition], expected: Int64?) {
        #expect(Poller.offset(after: ids, dispositions: dispositions) == expected)
    }

    @Test("/health is degraded, with the reason, while a dead letter is newer than a day or the intake is stuck")
    func healthVerdict() {
        let calm = HealthReport.verdict(pressure: .normal, outbox: .init(queued: 0, oldestAgeSeconds: nil), circuit: "closed",
                                        telegramError: nil, pollingAsFallback: false)
        #expect(calm.status == .ok && calm.reasons.isEmpty)
        let dead = HealthReport.verdict(pressure: .normal, outbox: .init(queued: 0, oldestAgeSeconds: nil), circuit: "closed",
                                        telegramError: nil, pollingAsFallback: false, recentDeadLetter: "invalid_date: message.date")
        #expect(dead.status == .degraded)
        #expect(dead.reasons == ["dead letter in the last day: invalid_date: message.date"])
        let stuck = HealthReport.verdict(pressure: .normal, outbox: .init(queued: 0, oldestAgeSeconds: nil), circuit: "closed",
                                         telegramError: nil, pollingAsFallback: false, stalledIntake: "the intake is stuck: update 5")
        #expect(stuck.status == .degraded)
        #expect(stuck.reasons == ["the intake is stuck: update 5"])
    }

    @Test("/health reports a failing update at once, and calls the intake stuck only past INTAKE_STALL_AFTER")
    func stuckIntake() async throws {
        try await Self.withIntake { intake, database in
            let reporter = HealthReporter(
                version: "test", database: database, status: RuntimeStatus(),
                resources: ResourceMonitor(configuration: .init(), logger: Logger(label: "test"), onCritical: {}),
                outbox: OutboxStatus(), circuitBreaker: CircuitBreaker(), cleanup: CleanupStatus(), siteCount: 1,
                retrying: intake.retrying, intakeStallAfter: .seconds(120),
                // Not the bound under test: a busy CI machine has taken over 2 s for these reads.
                storeReadLimit: .seconds(60))
            _ = intake.retrying.recordFailure(updateID: 5, error: "disk I/O error", now: Date().addingTimeInterval(-60))
            let fresh = await reporter.report()
            #expect(fresh.intake.retrying == 1)
            #expect(fresh.intake.oldestUpdateID == 5)
            #expect(!fresh.reasons.contains { $0.contains("stuck") }, "\(fresh.reasons)")

            _ = intake.retrying.recordFailure(updateID: 4, error: "disk I/O error", now: Date().addingTimeInterval(-300))
            let stuck = await reporter.report()
            #expect(stuck.status == .degraded)
            #expect(stuck.intake.oldestUpdateID == 4)
            #expect(stuck.reasons.contains { $0.hasPrefix("the intake is stuck: update 4 has failed 1 times") }, "\(stuck.reasons)")
        }
    }

    // MARK: Stores from before the checks

    @Test("a store poisoned by a year-10000 date before v4 is repaired on open: the user can check in again")
    func migrationRemovesUnreadableDates() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("old.sqlite").path
            do {
                let queue = try DatabaseQueue(path: path)
                try BotMigrations.migrator.migrate(queue, upTo: "v3: outbox last_attempt_at")
                try await queue.write { db in
                    try db.execute(sql: """
                        INSERT INTO last_actions (user_id, action, site, distance_m, recorded_at)
                        VALUES (1001, 'check_in', 'Madrid HQ', 3, '10000-01-01 00:00:00.000'), (1002, 'check_in', 'Madrid HQ', 3, '2026-01-01 00:00:00.000')
                        """)
                }
                try queue.close()
            }
            let database = try BotDatabase(path: path)
            defer { try? database.close() }
            #expect(try await database.conversationState(userID: 1001).lastAction == nil)
            #expect(try await database.conversationState(userID: 1002).lastAction?.site == "Madrid HQ")
        }
    }

    // MARK: Expiry

    @Test("a location after the TTL hears that its request expired, whether or not the cleanup ran first")
    func expiredAfterCleanup() async throws {
        for cleanupFirst in [false, true] {
            try await withTemporaryDirectory { directory in
                let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
                defer { try? database.close() }
                let now = Mutex(Self.clock)
                let intake = UpdateIntake(
                    database: database,
                    conversation: Conversation(locationService: LocationService(sites: try SitesFile.load(contentsOf: SitesFile.example)),
                                               pendingActionTTL: .seconds(60)),
                    outboxDoorbell: Doorbell(), replyDoorbell: Doorbell(), logger: Logger(label: "test"), now: { now.withLock { $0 } })
                try await intake.handle(Self.message(1, text: "/checkin"))
                now.withLock { $0 = Self.clock.addingTimeInterval(120) }
                if cleanupFirst {
                    #expect(try await database.deleteExpiredPendingActions(now: Self.clock.addingTimeInterval(120)) == 1)
                }
                try await intake.handle(Self.message(2, date: 1_800_000_120, location: Self.madrid))
                let texts = try await database.queuedMessages(limit: 10).map(\.text)
                #expect(texts.last == Replies.expired(.checkIn, ttl: .seconds(60)), "cleanup first: \(cleanupFirst)")
                #expect(try await database.queuedRows(limit: 10).isEmpty)
                // Told once: a second location hears that nothing is pending.
                try await intake.handle(Self.message(3, date: 1_800_000_121, location: Self.madrid))
                #expect(try await database.queuedMessages(limit: 10).map(\.text).last == Replies.noPendingAction)
            }
        }
    }

    @Test("a new check-in clears the tombstone of an expired one")
    func newCheckInClearsTombstone() async throws {
        try await Self.withIntake { intake, database in
            try await intake.handle(Self.message(1, text: "/checkin"))
            try await database.deleteExpiredPendingActions(now: Self.clock.addingTimeInterval(3_600))
            try await intake.handle(Self.message(2, text: "/checkin"))
            try await intake.handle(Self.message(3, location: Self.madrid))
            try await intake.handle(Self.message(4, location: Self.madrid))
            #expect(try await database.queuedMessages(limit: 10).map(\.text).last == Replies.noPendingAction)
        }
    }
}

/// The admin routes over a real store and intake.
@Suite struct DeadLetterRouteTests {
    static let token = "admin-token-0123456789"

    static func withRouter(adminToken: String?, _ body: @escaping @Sendable (BotDatabase, any TestClientProtocol) async throws -> Void) async throws {
        try await DeadLetterTests.withIntake(attempts: 1) { intake, database in
            let router = BotRouter.build(
                webhookPath: "/telegram/webhook",
                webhook: WebhookEndpoint(secretToken: "s", isStopping: { false }, accept: { _ in .processed }),
                admin: AdminEndpoint(adminToken: adminToken, shutdown: {}),
                deadLetters: DeadLetterEndpoint(database: database, retry: { received in
                    await intake.receive(received) { try await intake.handle([$0]) }
                }),
                incident: IncidentEndpoint(database: database, environment: [:]),
                metrics: BotMetrics(),
                health: { BotRouterTests.sampleReport })
            try await Application(router: router).test(.router) { client in
                try await body(database, client)
            }
        }
    }

    static func headers(_ token: String?) -> HTTPFields {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        return headers
    }

    @Test("the admin routes (dead letters, incident) follow /shutdown's rules: 403 without ADMIN_TOKEN, 401 without the right bearer token",
          arguments: [(nil, token, 403), (token, nil, 401), (token, "wrong-token-0123456789", 401), (token, token, 200)] as [(String?, String?, Int)])
    func authorization(configured: String?, presented: String?, status: Int) async throws {
        try await Self.withRouter(adminToken: configured) { _, client in
            let list = try await client.execute(uri: "/admin/dead-letters", method: .get, headers: Self.headers(presented))
            #expect(Int(list.status.code) == status)
            let retry = try await client.execute(uri: "/admin/dead-letters/1/retry", method: .post, headers: Self.headers(presented))
            #expect(Int(retry.status.code) == (status == 200 ? 404 : status))
            let incident = try await client.execute(uri: "/admin/incident?since=1h", method: .get, headers: Self.headers(presented))
            #expect(Int(incident.status.code) == status)
            let badWindow = try await client.execute(uri: "/admin/incident?since=soon", method: .get, headers: Self.headers(presented))
            #expect(Int(badWindow.status.code) == (status == 200 ? 400 : status))
        }
    }

    @Test("GET lists dead letters with their reason and raw update; retry answers 404, 400, 409 and, once fixed, 200")
    func listAndRetry() async throws {
        try await Self.withRouter(adminToken: Self.token) { database, client in
            let raw = #"{"update_id":5,"message":{"message_id":1,"date":253402300800,"chat":{"id":1001,"type":"private"},"from":{"id":1001,"is_bot":false,"first_name":"Ana"},"text":"/start"}}"#
            try await database.recordDeadLetter(updateID: 5, rawUpdate: raw, rejection: UpdateRejection(.invalidDate, "message.date"),
                                                reply: nil, now: Date())
            let fixable = #"{"update_id":6,"message":{"message_id":2,"date":1800000000,"chat":{"id":1001,"type":"private"},"from":{"id":1001,"is_bot":false,"first_name":"Ana"},"text":"/start"}}"#
            try await database.recordDeadLetter(updateID: 6, rawUpdate: fixable, rejection: UpdateRejection(.keepsFailing, "disk full"),
                                                reply: nil, now: Date())

            let list = try await client.execute(uri: "/admin/dead-letters", method: .get, headers: Self.headers(Self.token))
            #expect(list.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(list.body.readableBytesView)) as? [String: Any])
            let letters = try #require(json["dead_letters"] as? [[String: Any]])
            #expect(Set(letters.compactMap { $0["update_id"] as? Int }) == [5, 6])
            #expect(letters.contains { $0["reason_code"] as? String == "invalid_date" && $0["update"] as? String == raw })

            #expect(try await client.execute(uri: "/admin/dead-letters/77/retry", method: .post, headers: Self.headers(Self.token)).status == .notFound)
            #expect(try await client.execute(uri: "/admin/dead-letters/x/retry", method: .post, headers: Self.headers(Self.token)).status == .badRequest)
            // Still invalid: refused again, kept.
            #expect(try await client.execute(uri: "/admin/dead-letters/5/retry", method: .post, headers: Self.headers(Self.token)).status == .conflict)
            #expect(try await database.deadLetter(updateID: 5)?.attempts == 2)
            // Its cause gone: processed, and its dead letter removed.
            let retried = try await client.execute(uri: "/admin/dead-letters/6/retry", method: .post, headers: Self.headers(Self.token))
            #expect(retried.status == .ok)
            #expect(String(buffer: retried.body).contains(#""outcome":"processed""#))
            #expect(try await database.deadLetter(updateID: 6) == nil)
            #expect(try await database.isProcessed(updateID: 6))
        }
    }
}
