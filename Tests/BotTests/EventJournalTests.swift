@testable import Bot
import FakeSheets
import FakeTelegram
import Foundation
import GRDB
import Logging
import Testing
import MetroSupport

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
            journal.record(.arrival(of: update, from: .webhook, at: Self.start.addingTimeInterval(30)))
            journal.record(.arrival(of: update, from: .webhook, at: Self.start.addingTimeInterval(40)))  // a redelivery
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

    @Test("an update over 64 KiB is journaled as its id and size, and the buffer holds at most 8 MiB of updates")
    func largeUpdatesAreBounded() async throws {
        try await Self.withStore { database in
            let journal = EventJournal(database: database, logger: Logger(label: "test"))
            let padding = String(repeating: "x", count: 600 << 10)
            for id in Int64(1)...20 {
                journal.record(.arrival(of: ReceivedUpdate(Update(updateID: id), rawJSON: #"{"update_id":\#(id),"pad":"\#(padding)"}"#),
                                        from: .webhook, at: Self.start))
            }
            let small = (0..<200).map { ReceivedUpdate(Update(updateID: 1_000 + $0), rawJSON: #"{"update_id":\#(1_000 + $0),"pad":"\#(String(repeating: "y", count: 60 << 10))"}"#) }
            for update in small { journal.record(.arrival(of: update, from: .webhook, at: Self.start)) }
            await journal.flush()
            let stored = try await database.receivedUpdates(from: .distantPast)
            let first = #"{"update_id":1,"pad":"\#(padding)"}"#
            #expect(stored.first?.raw == #"{"update_id":1,"journal_truncated_bytes":\#(first.utf8.count)}"#)
            #expect(stored.filter { $0.updateID < 1_000 }.count == 20, "truncated ones are tiny and all kept")
            let kept = stored.filter { $0.updateID >= 1_000 }.count
            #expect(kept < 200 && kept >= 130, "8 MiB of 60 KiB updates: \(kept) kept")
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

    @Test("a valid update's arrival commits with it; a rejected update's, and a failed transaction's, go through the journal")
    func arrivalsCommitWithTheirUpdates() async throws {
        try await DeadLetterTests.withIntake(attempts: 3) { plain, database in
            let journal = EventJournal(database: database, logger: Logger(label: "test"))
            let intake = UpdateIntake(database: database, conversation: plain.conversation, outboxDoorbell: Doorbell(),
                                      replyDoorbell: Doorbell(), logger: plain.logger, now: plain.now,
                                      retrying: plain.retrying, journal: journal)
            let valid = ReceivedUpdate(DeadLetterTests.message(1, text: "/start"), rawJSON: #"{"update_id":1,"valid":true}"#)
            #expect(await intake.receive(valid) { try await intake.handle([$0]) } == .processed)
            // In the store with the update, before the journal wrote anything.
            #expect(try await database.receivedUpdates(from: .distantPast).map(\.raw) == [#"{"update_id":1,"valid":true}"#])

            try await DeadLetterTests.plantFailure(for: 3, in: database)
            let batch = [ReceivedUpdate(Update(updateID: 2), undecodable: "message.chat: missing"),
                         ReceivedUpdate(DeadLetterTests.message(3, text: "/start"))]
            let dispositions = await intake.receive(batch)
            #expect(dispositions[0].isSettled && !dispositions[1].isSettled)
            #expect(try await database.receivedUpdates(from: .distantPast).map(\.updateID) == [1])
            await journal.flush()
            let arrivals = try await database.receivedUpdates(from: .distantPast)
            #expect(arrivals.map(\.updateID).sorted() == [1, 2, 3])
            #expect(arrivals.allSatisfy { $0.source == ($0.updateID == 1 ? .webhook : .polling) })
        }
    }
}

@Suite struct IncidentBundleTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let raw = #"{"update_id":7,"message":{"message_id":1,"date":1800000000,"chat":{"id":1001,"type":"private","first_name":"Ana","username":"ana"},"from":{"id":1001,"is_bot":false,"first_name":"Ana","last_name":"Pérez","username":"ana"},"location":{"latitude":40.41687,"longitude":-3.70379}}}"#

    static func withJournal(_ body: (BotDatabase) async throws -> Void) async throws {
        let database = try BotDatabase(writer: try DatabaseQueue())
        defer { try? database.close() }
        try await database.appendJournal(
            events: [JournalEvent(.sheetsFailure, at: start.addingTimeInterval(10), severity: .warning, fields: ["operation": "append", "code": "503"])],
            updates: [ReceivedUpdateRecord(updateID: 7, receivedAt: start.addingTimeInterval(5), source: .webhook, raw: raw)])
        try await body(database)
    }

    @Test("a bundle holds the window's updates and events, the configuration without secrets, and its versions")
    func plainExport() async throws {
        try await Self.withJournal { database in
            let environment = ["TELEGRAM_BOT_TOKEN": "123:secret-token-value", "ADMIN_TOKEN": "admin-secret-0123456789",
                               "SHEET_NAME": "Attendance", "NOT_OURS": "x"]
            let bundle = try await IncidentBundle.export(from: database, since: Self.start, until: Self.start.addingTimeInterval(60),
                                                         environment: environment, now: Self.start.addingTimeInterval(120))
            #expect(bundle.format == "metropolitan-incident" && bundle.formatVersion == 1)
            #expect(bundle.updates.map(\.updateID) == [7])
            #expect(bundle.updates.first?.update == Self.raw, "not anonymized: as it arrived")
            #expect(bundle.events.map(\.kind) == [.sheetsFailure])
            #expect(bundle.configuration.map(\.variable).sorted() == ["ADMIN_TOKEN", "SHEET_NAME", "TELEGRAM_BOT_TOKEN"])
            let text = String(decoding: try IncidentBundle.encoder.encode(bundle), as: UTF8.self)
            #expect(!text.contains("secret-token-value") && !text.contains("admin-secret"), "no secret in the bundle")
            #expect(text.contains("(set, not shown)"))
        }
    }

    @Test("--anonymize replaces ids and names consistently and keeps locations; --blur-locations rounds them")
    func anonymizedExport() async throws {
        try await Self.withJournal { database in
            let bundle = try await IncidentBundle.export(from: database, since: Self.start, anonymize: true,
                                                         now: Self.start.addingTimeInterval(120))
            let update = try #require(bundle.updates.first?.update)
            #expect(!update.contains("Ana") && !update.contains("ana") && !update.contains("Pérez") && !update.contains("1001"), "\(update)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(update.utf8)) as? [String: Any])
            let message = try #require(json["message"] as? [String: Any])
            let from = try #require(message["from"] as? [String: Any]), chat = try #require(message["chat"] as? [String: Any])
            #expect(from["id"] as? Int == chat["id"] as? Int, "the same person, the same invented id")
            #expect(from["first_name"] as? String == "Person 1")
            #expect((message["location"] as? [String: Any])?["latitude"] as? Double == 40.41687)

            let blurred = try await IncidentBundle.export(from: database, since: Self.start, blurLocations: true,
                                                          now: Self.start.addingTimeInterval(120))
            #expect(blurred.updates.first?.update.contains("40.42") == true)
            #expect(blurred.updates.first?.update.contains("Ana") == true, "blurring alone keeps the names")
        }
    }

    @Test("a window in the future, or one that ends before it starts, says so")
    func badWindows() async throws {
        try await Self.withJournal { database in
            await #expect(throws: IncidentExportError.self) {
                _ = try await IncidentBundle.export(from: database, since: Self.start.addingTimeInterval(3_600), now: Self.start)
            }
            await #expect(throws: IncidentExportError.self) {
                _ = try await IncidentBundle.export(from: database, since: Self.start, until: Self.start.addingTimeInterval(-1),
                                                    now: Self.start.addingTimeInterval(10))
            }
        }
    }
}

@Suite("Secrets stay out of the journal, bundles and the dashboard")
struct JournalSecretsTests {
    @Test("with every secret planted and calls failing, neither the journal, nor a bundle, nor the dashboard shows one")
    func plantedSecrets() async throws {
        let webhookSecret = "planted-webhook-secret-7f3a"
        try await BotWorld.withBot(environment: ["WEBHOOK_SECRET": webhookSecret], beforeStart: { telegram in
            _ = try await telegram.addFault(.failing("setWebhook", status: 502, times: 1))
        }) { world in
            try await eventually("webhook mode") { try await world.health()["mode"] as? String == "webhook" }
            _ = try await world.telegram.addFault(.failing("sendMessage", status: 500, times: 1))
            _ = try await world.sheets.addFault(SheetsFaultRule(operation: .append, respond: .init(status: 503), times: 1))
            try await world.telegram.sendUserMessage(userID: 1201, text: "/checkin", firstName: "Ana")
            try await eventually("asked for the location") { try await world.sentTexts(to: 1201).count == 1 }
            try await world.telegram.sendLocation(userID: 1201, latitude: 40.4168, longitude: -3.7038)
            try await eventually("the row, after the 503") { try await world.sheetRows().count == 1 }
            await world.services.journal.flush()

            let token = try #require(await world.telegram.registeredBots().first?.token)
            let planted = [token, String(token.split(separator: ":").last ?? ""), webhookSecret, world.adminToken]
            let events = try await world.services.database.events(from: .distantPast)
            #expect(events.contains { $0.kind == .telegramFailure } && events.contains { $0.kind == .sheetsFailure })
            let journalText = events.map { "\($0.fields)" }.joined(separator: "\n")
                + (try await world.services.database.receivedUpdates(from: .distantPast)).map(\.raw).joined(separator: "\n")
            let bundle = try await world.request("/admin/incident?since=1h", headers: [("Authorization", "Bearer \(world.adminToken)")])
            #expect(bundle.status == 200)
            #expect(bundle.body.contains("TELEGRAM_BOT_TOKEN") && bundle.body.contains("(set, not shown)"))
            let dashboard = try await world.request("/").body + (try await world.request("/health").body)
            for (place, text) in [("journal", journalText), ("bundle", bundle.body), ("dashboard", dashboard)] {
                for secret in planted {
                    #expect(!text.contains(secret), "a secret in the \(place)")
                }
            }
        }
    }
}
