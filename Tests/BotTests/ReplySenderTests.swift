import AsyncHTTPClient
import Bot
import FakeTelegram
import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing
import MetroSupport

@Suite struct ReplySenderTests {
    /// Records `texts` as replies to chat `chatID`, one update each, as the intake would.
    static func recordReplies(_ texts: [String], chatID: Int64, firstUpdateID: Int64, in database: BotDatabase) async throws {
        let inputs = texts.indices.map {
            ConversationInput(updateID: firstUpdateID + Int64($0), user: nil, chatID: chatID, sentAt: nil, event: .other)
        }
        _ = try await database.recordUpdates(inputs, now: Date()) { _, input in
            ConversationStep(replies: [OutgoingReply(chatID: chatID, text: texts[Int(input.updateID - firstUpdateID)],
                                                     replyMarkup: Keyboards.main)])
        }
    }

    /// A press on an inline button, known to the fake under `queryID`, answered by the bot as the
    /// intake would: its answer recorded at `recordedAt` (Telegram's clock starts at the press).
    static func recordPress(_ fake: FakeTelegram, queryID: String, updateID: Int64, recordedAt: Date = Date(),
                            in database: BotDatabase) async throws {
        _ = try await fake.injectUpdate(["callback_query": [
            "id": .string(queryID), "from": ["id": 1001, "is_bot": false, "first_name": "Ana"],
            "chat_instance": "77", "data": "old-button",
        ]])
        let input = ConversationInput(updateID: updateID, user: User(id: 1001, firstName: "Ana"), chatID: nil, sentAt: nil,
                                      event: .other, callbackQueryID: queryID)
        _ = try await database.recordUpdates([input], now: recordedAt) { _, input in
            ConversationStep(callbackAnswer: CallbackAnswer(callbackQueryID: input.callbackQueryID!, text: Replies.inactiveButton))
        }
    }

    /// The `answerCallbackQuery` calls for `queryID`, in order.
    static func answerCalls(_ fake: FakeTelegram, queryID: String) async throws -> [TelegramCall] {
        try await fake.calls(method: "answerCallbackQuery").filter { $0.params["callback_query_id"]?.stringValue == queryID }
    }

    static func queuesEmpty(_ database: BotDatabase) async throws -> Bool {
        let messages = try await database.queuedMessageCount()
        let answers = try await database.queuedCallbackAnswerCount()
        return messages == 0 && answers == 0
    }

    /// A fake Telegram with a bot and a user who wrote to it, a client and a store.
    static func withSender(batchSize: Int = 200, now: @escaping @Sendable () -> Date = { Date() },
                           _ body: @Sendable (FakeTelegram, ReplySender, BotDatabase) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            try await FakeTelegram.withRunning { fake in
                let bot = await fake.registerBot()
                try await fake.sendUserMessage(userID: 1001, text: "hello", firstName: "Ana")
                try await fake.sendUserMessage(userID: 1002, text: "hello", firstName: "Bo")
                let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
                let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
                var logger = Logger(label: "reply-test")
                logger.logLevel = .error
                let telegram = TelegramClient(token: bot.token, baseURL: fake.baseURL, httpClient: httpClient, timeout: .seconds(5), logger: logger)
                let sender = ReplySender(database: database, telegram: telegram, doorbell: Doorbell(),
                                         backoff: Backoff(base: .milliseconds(20), maximum: .milliseconds(100)),
                                         batchSize: batchSize, now: now, logger: logger)
                let result = await capture { try await body(fake, sender, database) }
                try? database.close()
                try await httpClient.shutdown()
                try result.get()
            }
        }
    }

    static func run(_ sender: ReplySender, until description: String, _ done: @escaping @Sendable () async throws -> Bool) async throws {
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await sender.run() }
                try await eventually(description, done)
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    @Test("replies reach each chat in order, with their keyboard, and leave the queue")
    func sendsInOrder() async throws {
        try await Self.withSender { fake, sender, database in
            try await Self.recordReplies(["one", "two", "three"], chatID: 1001, firstUpdateID: 1, in: database)
            try await Self.recordReplies(["uno"], chatID: 1002, firstUpdateID: 10, in: database)
            try await Self.run(sender, until: "the queue empty") { try await database.queuedMessageCount() == 0 }
            #expect(try await fake.chatMessages(chatID: 1001).map(\.text) == ["one", "two", "three"])
            #expect(try await fake.chatMessages(chatID: 1002).map(\.text) == ["uno"])
            let markup = try #require(try await fake.chatMessages(chatID: 1001).first?.replyMarkup)
            #expect("\(markup)".contains("Check in"))
        }
    }

    @Test("more replies than a pass reads are all sent, in order, in passes of a batch each")
    func sendsMoreThanABatch() async throws {
        try await Self.withSender(batchSize: 2) { fake, sender, database in
            try await Self.recordReplies(["one", "two", "three", "four", "five"], chatID: 1001, firstUpdateID: 1, in: database)
            try await Self.run(sender, until: "the queue empty") { try await database.queuedMessageCount() == 0 }
            #expect(try await fake.chatMessages(chatID: 1001).map(\.text) == ["one", "two", "three", "four", "five"])
            #expect(try await fake.calls(method: "sendMessage").count == 5)
        }
    }

    @Test("a reply recorded while a pass is sending goes out too, before shutdown")
    func sendsWhatWasRecordedDuringAPass() async throws {
        try await Self.withSender { fake, sender, database in
            _ = try await fake.addFault(TelegramFaultRule(match: .init(method: "sendMessage"), delay: .seconds(1), times: 1))
            try await Self.recordReplies(["first"], chatID: 1001, firstUpdateID: 1, in: database)
            // A callback answer too old to send: the pass deletes it as it reads the queue, which
            // shows that the pass has read "first" and is sending it (held for a second).
            try await Self.recordPress(fake, queryID: "q-stale", updateID: 2, recordedAt: Date().addingTimeInterval(-60), in: database)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await sender.run() }
                    try await eventually("the first pass read the queue") { try await database.queuedCallbackAnswerCount() == 0 }
                    try await Self.recordReplies(["second"], chatID: 1001, firstUpdateID: 3, in: database)
                    sender.doorbell.ring()  // as the intake rings it
                    // Before shutdown, whose final flush would send it anyway.
                    try await eventually("the second reply sent") { try await fake.chatMessages(chatID: 1001).count == 2 }
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            #expect(try await fake.chatMessages(chatID: 1001).map(\.text) == ["first", "second"])
            #expect(try await fake.calls(method: "sendMessage").count == 2)
        }
    }

    @Test("429 with retry_after and a 502 are retried; every reply is delivered once, in order")
    func retriesThrottlingAndServerErrors() async throws {
        try await Self.withSender { fake, sender, database in
            _ = try await fake.addFault(TelegramFaultRule(match: .init(method: "sendMessage"), respond: .init(status: 429, retryAfter: 1), times: 1))
            _ = try await fake.addFault(TelegramFaultRule(match: .init(method: "sendMessage"), respond: .init(status: 502), times: 1))
            try await Self.recordReplies(["one", "two"], chatID: 1001, firstUpdateID: 1, in: database)
            try await Self.run(sender, until: "the queue empty") { try await database.queuedMessageCount() == 0 }
            #expect(try await fake.chatMessages(chatID: 1001).map(\.text) == ["one", "two"])
            let statuses = try await fake.calls(method: "sendMessage").map(\.status)
            #expect(statuses == [429, 502, 200, 200])
            // The retry after the 429 waited at least retry_after (1 s).
            let calls = try await fake.calls(method: "sendMessage")
            #expect(calls[1].at.timeIntervalSince(calls[0].at) >= 0.99)
        }
    }

    @Test("a reply Telegram refuses for good (403) is dropped and the next one still goes out")
    func dropsRefused() async throws {
        try await Self.withSender { fake, sender, database in
            _ = try await fake.addFault(TelegramFaultRule(match: .init(method: "sendMessage"),
                                                  respond: .init(status: 403, message: "Forbidden: bot was blocked by the user"), times: 1))
            try await Self.recordReplies(["blocked", "after"], chatID: 1001, firstUpdateID: 1, in: database)
            try await Self.run(sender, until: "the queue empty") { try await database.queuedMessageCount() == 0 }
            #expect(try await fake.chatMessages(chatID: 1001).map(\.text) == ["after"])
        }
    }

    @Test("a callback answer is sent once, with its text, ahead of the replies, and leaves the queue")
    func answersCallbacks() async throws {
        try await Self.withSender { fake, sender, database in
            try await Self.recordReplies(["one"], chatID: 1001, firstUpdateID: 1, in: database)
            try await Self.recordPress(fake, queryID: "q-1", updateID: 2, in: database)
            try await Self.run(sender, until: "both queues empty") { try await Self.queuesEmpty(database) }
            let answers = try await Self.answerCalls(fake, queryID: "q-1")
            #expect(answers.map(\.status) == [200])
            #expect(answers.first?.params["text"]?.stringValue == Replies.inactiveButton)
            #expect(try await fake.calls().map(\.method).filter { $0 != "getMe" } == ["answerCallbackQuery", "sendMessage"])
            #expect(try await fake.chatMessages(chatID: 1001).map(\.text) == ["one"])
        }
    }

    @Test("a failed callback answer is retried; one Telegram refuses (400, query too old or invalid) is dropped")
    func retriesAndDropsCallbackAnswers() async throws {
        try await Self.withSender { fake, sender, database in
            _ = try await fake.addFault(.failing("answerCallbackQuery", status: 502, times: 1))
            try await Self.recordPress(fake, queryID: "q-1", updateID: 1, in: database)
            // An id the fake never issued: Telegram answers 400 as for a query that is too old.
            let unknown = ConversationInput(updateID: 2, user: User(id: 1001, firstName: "Ana"), chatID: nil, sentAt: nil,
                                            event: .other, callbackQueryID: "q-unknown")
            _ = try await database.recordUpdates([unknown], now: Date()) { _, _ in
                ConversationStep(callbackAnswer: CallbackAnswer(callbackQueryID: "q-unknown"))
            }
            try await Self.run(sender, until: "both answers gone from the queue") { try await Self.queuesEmpty(database) }
            let all = try await fake.calls(method: "answerCallbackQuery")
            #expect(all.count == 3, "\(all.map { ($0.params["callback_query_id"]?.stringValue ?? "?", $0.status) })")
            #expect(try await Self.answerCalls(fake, queryID: "q-1").map(\.status).filter { $0 != 502 } == [200])
            // The one 502 hits whichever answer went first (they are sent concurrently).
            #expect(try await Self.answerCalls(fake, queryID: "q-unknown").map(\.status).filter { $0 != 502 } == [400], "dropped, not retried")
        }
    }

    @Test("a callback answer Telegram keeps failing is retried, then dropped once older than its validity")
    func dropsStaleCallbackAnswers() async throws {
        let start = Date()
        let clock = SettableClock(start)
        try await Self.withSender(now: { clock.now }) { fake, sender, database in
            _ = try await fake.addFault(.failing("answerCallbackQuery", status: 502))
            try await Self.recordPress(fake, queryID: "q-1", updateID: 1, recordedAt: start, in: database)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await sender.run() }
                    try await eventually("the answer retried") { try await Self.answerCalls(fake, queryID: "q-1").count >= 2 }
                    #expect(try await database.queuedCallbackAnswers(limit: 1).first?.attempts ?? 0 >= 1)
                    // 15 s after the press Telegram would refuse it: the sender gives up.
                    clock.now = start.addingTimeInterval(15.5)
                    try await eventually("the answer dropped") { try await database.queuedCallbackAnswerCount() == 0 }
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            let statuses = try await Self.answerCalls(fake, queryID: "q-1").map(\.status)
            #expect(statuses.allSatisfy { $0 == 502 }, "never delivered: \(statuses)")
        }
    }

    @Test("a callback answer already too old when the sender starts (recorded before a restart) is dropped unsent")
    func dropsAnswersFromBeforeRestart() async throws {
        try await Self.withSender { fake, sender, database in
            try await Self.recordPress(fake, queryID: "q-1", updateID: 1, recordedAt: Date().addingTimeInterval(-60), in: database)
            try await Self.recordReplies(["still sent"], chatID: 1001, firstUpdateID: 2, in: database)
            try await Self.run(sender, until: "both queues empty") { try await Self.queuesEmpty(database) }
            #expect(try await fake.calls(method: "answerCallbackQuery").isEmpty)
            #expect(try await fake.chatMessages(chatID: 1001).map(\.text) == ["still sent"])
        }
    }
}

/// A clock the test sets by hand.
private final class SettableClock: Sendable {
    private let date: Mutex<Date>

    init(_ date: Date) { self.date = Mutex(date) }

    var now: Date {
        get { date.withLock { $0 } }
        set { date.withLock { $0 = newValue } }
    }
}
