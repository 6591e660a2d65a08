import Bot
import Foundation
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

@Suite struct CleanupJobTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a run deletes only pending actions past the TTL and keeps the totals for /health")
    func runOnce() async throws {
        try await withTemporaryDirectory { directory in
            let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
            defer { try? database.close() }
            try await database.insertPendingActions((1...30).map { id in
                PendingAction(userID: id, action: .checkIn, createdAt: Self.now.addingTimeInterval(-1_800),
                              expiresAt: Self.now.addingTimeInterval(id <= 20 ? -1 : 60))
            })
            let job = CleanupJob(database: database, interval: .seconds(3_600), logger: Logger(label: "test"), now: { Self.now })
            #expect(job.status.lastRun == nil)
            #expect(try await job.runOnce() == 20)
            #expect(try await job.runOnce() == 0)
            #expect(job.status.removedTotal == 20)
            #expect(job.status.lastRun == Self.now)
            #expect(try await database.pendingActionCount() == 10)
        }
    }

    @Test("the service cleans up at start and returns on graceful shutdown")
    func service() async throws {
        try await withTemporaryDirectory { directory in
            let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
            defer { try? database.close() }
            try await database.insertPendingActions([
                PendingAction(userID: 1, action: .checkOut, createdAt: Self.now.addingTimeInterval(-100), expiresAt: Self.now.addingTimeInterval(-1)),
            ])
            let job = CleanupJob(database: database, interval: .seconds(3_600), logger: Logger(label: "test"), now: { Self.now })
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await job.run() }
                    await eventually("first cleanup run") { job.status.lastRun != nil }
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            #expect(job.status.removedTotal == 1)
            #expect(try await database.pendingActionCount() == 0)
        }
    }
}
