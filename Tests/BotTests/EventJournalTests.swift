@testable import Bot
import FakeTelegram
import Foundation
import GRDB
import Logging
import Testing

@Suite struct EventJournalTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func withStore(_ body: (BotDatabase) async throws -> Void) async throws {
        let database = try BotDatabase(writer: try DatabaseQueue())
        defer { try? database.close() }
        try await body(database)
    }

    @Test("events and received updates are written in one batch and read back by time window, in order")
    func writesAndReads() async throws {
        try await Self.withStore { database in
            let journal = EventJournal(database: database, logger: Logger(label: "test"))
            journal.record(JournalEvent(.modeChanged, at: Self.start, fields: ["mode": "webhook"]))
            journal.record(JournalEvent(.sheetsFailure, at: Self.start.addingTimeInterval(60), severity: .warning,
                                        fields: ["operation": "append", "code": "503"]))
            let update = ReceivedUpdate(Update(updateID: 5), rawJSON: #"{"update_id":5}"#)
            journal.recordArrival(of: update, from: .webhook, at: Self.start.addingTimeInterval(30))
            journal.recordArrival(of: update, from: .webhook, at: Self.start.addingTimeInterval(40))  // a redelivery
            await journal.flush()

            let events = try await database.events(from: Self.start)
            #expect(events.map(\.kind) == [.modeChanged, .sheetsFailure])
            #expect(events[1].fields["code"] == "503")
            #expect(try await database.events(from: Self.start.addingTimeInterval(1)).map(\.kind) == [.sheetsFailure])
            let updates = try await database.receivedUpdates(from: Self.start)
            #expect(updates == [ReceivedUpdateRecord(updateID: 5, receivedAt: Self.start.addingTimeInterval(30), source: .webhook,
                                                     raw: #"{"update_id":5}"#)], "a redelivery keeps the first arrival")
        }
    }

    @Test("the cleanup prunes the journal by age, then to its row cap, oldest first")
    func pruning() async throws {
        try await Self.withStore { database in
            let events = (0..<10).map { JournalEvent(.cleanupRan, at: Self.start.addingTimeInterval(Double($0) * 3_600)) }
            let updates = (0..<10).map { ReceivedUpdateRecord(updateID: Int64($0), receivedAt: Self.start.addingTimeInterval(Double($0) * 3_600),
                                                              source: .polling, raw: "{}") }
            try await database.appendJournal(events: events, updates: updates)
            // Older than 2 hours after the start: rows 0 and 1 go; then keep the newest 5 of each.
            let deleted = try await database.pruneJournal(olderThan: Self.start.addingTimeInterval(7_200), keepingAtMost: 5)
            #expect(deleted == 2 * 2 + 2 * 3)
            #expect(try await database.events(from: .distantPast).map(\.at) == (5..<10).map { Self.start.addingTimeInterval(Double($0) * 3_600) })
            #expect(try await database.receivedUpdates(from: .distantPast).map(\.updateID) == Array(5..<10))
        }
    }

    @Test("a full buffer drops new entries instead of blocking the caller")
    func boundedBuffer() async throws {
        try await Self.withStore { database in
            let journal = EventJournal(database: database, logger: Logger(label: "test"), bufferLimit: 3)
            for minute in 0..<5 { journal.record(JournalEvent(.cleanupRan, at: Self.start.addingTimeInterval(Double(minute) * 60))) }
            await journal.flush()
            let kept = try await database.events(from: .distantPast)
            #expect(kept.count == 3)
        }
    }

    @Test("a running bot journals each update's arrival and its mode; a failed Telegram call is an event with its code")
    func runningBot() async throws {
        try await BotWorld.withBot { world in
            try await eventually("webhook mode") { try await world.health()["mode"] as? String == "webhook" }
            _ = try await world.telegram.addFault(.init(match: .init(method: "sendMessage"), respond: .init(status: 429, retryAfter: 1), times: 1))
            let update = try await world.telegram.sendUserMessage(userID: 1101, text: "/start", firstName: "Ana")
            try await eventually("the greeting, after the 429") { try await world.sentTexts(to: 1101).count == 1 }
            await world.services.journal.flush()
            let database = world.services.database
            let arrivals = try await database.receivedUpdates(from: .distantPast)
            #expect(arrivals.map(\.updateID) == [update.updateID])
            #expect(arrivals.first?.source == .webhook)
            #expect(arrivals.first?.raw.contains(#""text":"/start""#) == true)
            let events = try await database.events(from: .distantPast)
            #expect(events.contains { $0.kind == .modeChanged && $0.fields["mode"] == "webhook" })
            #expect(events.contains { $0.kind == .webhookSet && $0.fields["outcome"] == "success" })
            let failure = try #require(events.first { $0.kind == .telegramFailure })
            #expect(failure.fields["method"] == "sendMessage")
            #expect(failure.fields["code"] == "429")
            #expect(failure.fields["retry_after_s"] == "1")
            for event in events {
                #expect(!event.fields.values.contains { $0.contains(world.adminToken) }, "\(event)")
            }
        }
    }
}
