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

/// A lead that the test hands from one instance to another, as a store's lock passes when its
/// holder's connection drops. The PostgreSQL store's own lock is tested against a real server.
private final class HandoverLeadership: Sendable {
    private let holder = Mutex<String?>(nil)

    /// The lead as instance `name` sees it: free leads are taken.
    func seat(_ name: String) -> some Leadership {
        Seat(name: name, lead: self)
    }

    /// Gives the lead to `name`, as when the holder's connection drops and another instance's
    /// next try takes the lock.
    func handOver(to name: String) { holder.withLock { $0 = name } }

    var current: String? { holder.withLock { $0 } }

    private struct Seat: Leadership {
        let name: String
        let lead: HandoverLeadership

        func claim() async -> Bool {
            lead.holder.withLock { holder in
                if holder == nil { holder = name }
                return holder == name
            }
        }

        func resign() async {
            lead.holder.withLock { holder in if holder == name { holder = nil } }
        }
    }
}

@Suite struct LeadershipTests {
    @Test("only the leader polls; the other stands by, and takes over when the lead is lost, without doubling an update")
    func onlyTheLeaderPolls() async throws {
        try await withTemporaryDirectory { directory in
            try await FakeTelegram.withRunning { fake in
                let bot = await fake.registerBot()
                let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
                let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
                var logger = Logger(label: "leadership-test")
                logger.logLevel = .critical
                let telegram = TelegramClient(token: bot.token, baseURL: fake.baseURL, httpClient: httpClient, timeout: .seconds(5), logger: logger)
                let intake = UpdateIntake(
                    database: database,
                    conversation: Conversation(locationService: LocationService(sites: try SitesFile.load(contentsOf: SitesFile.example)),
                                               pendingActionTTL: .seconds(60)),
                    outboxDoorbell: Doorbell(), replyDoorbell: Doorbell(), logger: logger)
                let lead = HandoverLeadership()
                let polling = Mutex<[String]>([])  // the instances polling right now

                func instance(_ name: String) -> (WebhookSupervisor, RuntimeStatus) {
                    let poller = Poller(telegram: telegram, intake: intake, pollTimeoutSeconds: 1,
                                        backoff: Backoff(base: .milliseconds(20), maximum: .milliseconds(100)), logger: logger)
                    let status = RuntimeStatus()
                    let supervisor = WebhookSupervisor(
                        configuration: .init(setup: nil, leadership: lead.seat(name), leaderCheckInterval: .milliseconds(50)),
                        telegram: telegram, status: status, metrics: BotMetrics(), logger: logger,
                        poll: {
                            polling.withLock { $0.append(name) }
                            defer { polling.withLock { $0.removeAll { $0 == name } } }
                            try await poller.poll()
                        })
                    return (supervisor, status)
                }
                let (supervisorA, statusA) = instance("a")
                let (supervisorB, statusB) = instance("b")

                let result = await capture {
                    try await testGracefulShutdown { trigger in
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask { try await supervisorA.run() }
                            await eventually("a leads and polls") { statusA.mode == .polling }
                            group.addTask { try await supervisorB.run() }
                            await eventually("b stands by") { statusB.mode == .standby }
                            let first = try await fake.sendUserMessage(userID: 1001, text: "/checkin", firstName: "Ana")
                            try await eventually("a took the first update") { try await database.isProcessed(updateID: first.updateID) }

                            lead.handOver(to: "b")
                            await eventually("b took the lead and polls") { statusB.mode == .polling }
                            await eventually("a stands by") { statusA.mode == .standby }
                            #expect(lead.current == "b")
                            #expect(polling.withLock { $0 } == ["b"])
                            let second = try await fake.sendUserMessage(userID: 1002, text: "/checkin", firstName: "Bo")
                            try await eventually("b took the second update") { try await database.isProcessed(updateID: second.updateID) }

                            trigger.triggerGracefulShutdown()
                            try await group.waitForAll()
                        }
                    }
                    #expect(lead.current == nil, "b resigned on shutdown")
                    #expect(try await database.queuedMessageCount() == 2, "one reply per update, none doubled")
                }
                try? database.close()
                try await httpClient.shutdown()
                try result.get()
            }
        }
    }

    @Test("a bot on its own store always leads")
    func soleLeadershipLeads() async {
        let lead = SoleLeadership()
        #expect(await lead.claim())
        await lead.resign()
        #expect(await lead.claim())
    }
}
