import AsyncHTTPClient
import Bot
import FakeTelegram
import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

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

    /// A fake Telegram with a bot and a user who wrote to it, a client and a store.
    static func withSender(_ body: @Sendable (FakeTelegram, ReplySender, BotDatabase) async throws -> Void) async throws {
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
                                         backoff: Backoff(base: .milliseconds(20), maximum: .milliseconds(100)), logger: logger)
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

    @Test("429 with retry_after and a 502 are retried; every reply is delivered once, in order")
    func retriesThrottlingAndServerErrors() async throws {
        try await Self.withSender { fake, sender, database in
            _ = try await fake.addFault(FaultRule(match: .init(method: "sendMessage"), respond: .init(status: 429, retryAfter: 1), times: 1))
            _ = try await fake.addFault(FaultRule(match: .init(method: "sendMessage"), respond: .init(status: 502), times: 1))
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
            _ = try await fake.addFault(FaultRule(match: .init(method: "sendMessage"),
                                                  respond: .init(status: 403, description: "Forbidden: bot was blocked by the user"), times: 1))
            try await Self.recordReplies(["blocked", "after"], chatID: 1001, firstUpdateID: 1, in: database)
            try await Self.run(sender, until: "the queue empty") { try await database.queuedMessageCount() == 0 }
            #expect(try await fake.chatMessages(chatID: 1001).map(\.text) == ["after"])
        }
    }
}
