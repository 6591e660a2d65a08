import Bot
import Foundation
import Logging
import Testing
import MetroSupport

@Suite struct UpdateIntakeTests {
    static let user = User(id: 1001, firstName: "Ana", username: "ana")
    static let clock = Date(timeIntervalSince1970: 1_800_000_000)

    static func message(_ id: Int64, text: String? = nil, location: Location? = nil) -> Update {
        Update(updateID: id, message: Message(messageID: id, date: 1_800_000_000, chat: Chat(id: 1001), from: user,
                                              text: text, location: location))
    }

    static func withIntake(_ body: (UpdateIntake, BotDatabase, Doorbell, Doorbell) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
            defer { try? database.close() }
            let outbox = Doorbell(), replies = Doorbell()
            let intake = UpdateIntake(
                database: database,
                conversation: Conversation(locationService: LocationService(sites: try SitesFile.load(contentsOf: SitesFile.example)),
                                           pendingActionTTL: .seconds(1_800)),
                outboxDoorbell: outbox, replyDoorbell: replies, logger: Logger(label: "test"), now: { clock })
            try await body(intake, database, outbox, replies)
        }
    }

    @Test("/checkin then a location queues one row and two replies, durably, and rings both workers")
    func checkIn() async throws {
        try await Self.withIntake { intake, database, outbox, replies in
            try await intake.handle(Self.message(1, text: "/checkin"))
            var replyRings = replies.rings.makeAsyncIterator()
            #expect(await replyRings.next() != nil)
            try await intake.handle(Self.message(2, location: Location(latitude: 40.4168, longitude: -3.7038)))
            var outboxRings = outbox.rings.makeAsyncIterator()
            #expect(await outboxRings.next() != nil)
            let rows = try await database.queuedRows(limit: 10)
            #expect(rows.count == 1)
            #expect(rows.first?.cells == ["2027-01-15T08:00:00Z", "1001", "ana", "Ana", "check_in", "40.4168", "-3.7038", "Madrid HQ", "0", "2"])
            #expect(try await database.queuedMessages(limit: 10).map(\.text).last == "Checked in at Madrid HQ (0 m).")
            #expect(try await database.conversationState(userID: 1001).pending == nil)
        }
    }

    @Test("a redelivered location is handled once: one row, one confirmation")
    func redelivery() async throws {
        try await Self.withIntake { intake, database, _, _ in
            try await intake.handle(Self.message(1, text: "/checkin"))
            let location = Self.message(2, location: Location(latitude: 40.4168, longitude: -3.7038))
            let outcomes = try await intake.handle([location, location])
            #expect(outcomes.last == .duplicate)
            #expect(try await intake.handle(location) == .duplicate)
            #expect(try await database.queuedRows(limit: 10).count == 1)
            #expect(try await database.queuedMessageCount() == 2)
        }
    }

    @Test("while shedding, /checkin is refused and opens nothing")
    func shedding() async throws {
        try await Self.withIntake { intake, database, _, _ in
            try await intake.handle(Self.message(1, text: "/checkin"), acceptingNewPendingActions: false)
            #expect(try await database.pendingActionCount() == 0)
            #expect(try await database.queuedMessages(limit: 1).first?.text == Replies.busy)
        }
    }

    @Test("an update of an unknown kind is recorded as processed and answered with silence")
    func unknownKind() async throws {
        try await Self.withIntake { intake, database, _, _ in
            let outcome = try await intake.handle(Update(updateID: 9))
            #expect(outcome == BotDatabase.UpdateOutcome.recorded(ConversationStep.silence))
            #expect(try await database.isProcessed(updateID: 9))
            #expect(try await database.queuedMessageCount() == 0)
        }
    }
}
