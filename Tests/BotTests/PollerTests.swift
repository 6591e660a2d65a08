import AsyncHTTPClient
import Bot
import FakeTelegram
import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import MetroSupport

@Suite struct PollerTests {
    @Test("409, 429 and 5xx from getUpdates are waited out; the updates are then recorded once and confirmed")
    func survivesErrors() async throws {
        try await withTemporaryDirectory { directory in
            try await FakeTelegram.withRunning { fake in
                let bot = await fake.registerBot()
                for fault in [
                    TelegramFaultRule(match: .init(method: "getUpdates"), respond: .init(status: 409, message: "Conflict: terminated by other getUpdates request"), times: 1),
                    TelegramFaultRule(match: .init(method: "getUpdates"), respond: .init(status: 429, retryAfter: 1), times: 1),
                    TelegramFaultRule(match: .init(method: "getUpdates"), respond: .init(status: 502), times: 1),
                ] {
                    _ = try await fake.addFault(fault)
                }
                let first = try await fake.sendUserMessage(userID: 1001, text: "/start", firstName: "Ana")
                let second = try await fake.sendUserMessage(userID: 1001, text: "/checkin")

                let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
                let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
                var logger = Logger(label: "poller-test")
                logger.logLevel = .critical
                let telegram = TelegramClient(token: bot.token, baseURL: fake.baseURL, httpClient: httpClient, timeout: .seconds(5), logger: logger)
                let intake = UpdateIntake(
                    database: database,
                    conversation: Conversation(locationService: LocationService(sites: try SitesFile.load(contentsOf: SitesFile.example)),
                                               pendingActionTTL: .seconds(60)),
                    outboxDoorbell: Doorbell(), replyDoorbell: Doorbell(), logger: logger)
                let poller = Poller(telegram: telegram, intake: intake, pollTimeoutSeconds: 1,
                                    backoff: Backoff(base: .milliseconds(20), maximum: .milliseconds(100)), logger: logger)
                let result = await capture {
                    try await testGracefulShutdown { trigger in
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask { try await poller.poll() }
                            try await eventually("both updates recorded") {
                                try await database.isProcessed(updateID: second.updateID)
                            }
                            trigger.triggerGracefulShutdown()
                            try await group.waitForAll()
                        }
                    }
                    // The poller confirmed the batch on its way out.
                    #expect(try await fake.updateState(updateID: first.updateID)?.state == .confirmed)
                    #expect(try await fake.updateState(updateID: second.updateID)?.state == .confirmed)
                    #expect(try await database.queuedMessageCount() == 2)
                    #expect(try await database.conversationState(userID: 1001).pending?.action == .checkIn)
                    let statuses = try await fake.calls(method: "getUpdates").map(\.status)
                    #expect(Set(statuses).isSuperset(of: [409, 429, 502]), "\(statuses)")
                    #expect(statuses.last == 200)
                }
                try? database.close()
                try await httpClient.shutdown()
                try result.get()
            }
        }
    }
}
