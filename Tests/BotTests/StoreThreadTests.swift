@testable import Bot
import Dispatch
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A value shared between a test and the store thread's jobs.
private final class Box<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}

@Suite struct StoreThreadTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// The calling thread.
    static func threadID() -> pthread_t { pthread_self() }

    /// The calling thread's name as the kernel knows it.
    static func threadName() -> String {
        let comm = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
        return comm?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    @Test("every job runs on the one thread named metro-store, in the order submitted")
    func oneNamedThread() async throws {
        let thread = StoreThread()
        defer { thread.stop(waiting: true) }
        var threads: Set<pthread_t> = []
        var order: [Int] = []
        for index in 0..<50 {
            let (id, name) = try await thread.run { (Self.threadID(), Self.threadName()) }
            #expect(name == StoreThread.name)
            threads.insert(id)
            order.append(try await thread.run { index })
        }
        #expect(threads.count == 1)
        #expect(!threads.contains(Self.threadID()))
        #expect(order == Array(0..<50))
    }

    @Test("stop runs every job already queued before the thread ends; later jobs are refused")
    func stopDrains() async throws {
        let thread = StoreThread()
        let release = DispatchSemaphore(value: 0)
        let ran = Box(0)
        let started = Box(false)
        let blocker = Task {
            try await thread.run {
                started.withLock { $0 = true }
                release.wait()
            }
        }
        await eventually("the blocking job started") { started.withLock { $0 } }
        let queued = (0..<40).map { _ in Task { try await thread.run { ran.withLock { $0 += 1 } } } }
        await eventually("40 jobs queued behind the blocking one") { thread.queuedJobs == 40 }
        release.signal()
        thread.stop(waiting: true)
        #expect(ran.withLock { $0 } == 40)
        try await blocker.value
        for task in queued { try await task.value }
        await #expect(throws: StoreClosedError.self) { try await thread.run { 1 } }
    }

    @Test("writes from 200 concurrent tasks are all committed, one transaction each")
    func concurrentWrites() async throws {
        try await withTemporaryDirectory { directory in
            let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for userID in Int64(1)...200 {
                    group.addTask {
                        let action = PendingAction(userID: userID, action: .checkIn, createdAt: Self.now,
                                                   expiresAt: Self.now.addingTimeInterval(60))
                        try await database.insertPendingActions([action])
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await database.pendingActionCount() == 200)
            try database.close()
            // The file holds them too: nothing was only in memory.
            let reopened = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
            #expect(try await reopened.pendingActionCount() == 200)
            try reopened.close()
        }
    }

    @Test("a write whose task is cancelled before it runs still commits, and its caller hears so")
    func cancelledCallerStillCommits() async throws {
        try await withTemporaryDirectory { directory in
            let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
            let user = User(id: 9, firstName: "Ines")
            let write = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await database.recordUpdates(
                    [ConversationInput(updateID: 77, user: user, chatID: 9, sentAt: Self.now, event: .command(.checkin))],
                    now: Self.now) { _, _ in ConversationStep() }
            }
            #expect(try await write.value.count == 1)
            #expect(try await database.isProcessed(updateID: 77))
            try database.close()
        }
    }

    @Test("close waits for the writes already queued, and the store refuses calls afterwards")
    func closeDrains() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("bot.sqlite").path
            let database = try BotDatabase(path: path)
            let writes = (Int64(1)...50).map { userID in
                Task {
                    try await database.insertPendingActions([PendingAction(
                        userID: userID, action: .checkOut, createdAt: Self.now, expiresAt: Self.now.addingTimeInterval(60))])
                }
            }
            for write in writes { try await write.value }
            try database.close()
            await #expect(throws: StoreClosedError.self) { try await database.queuedRows(limit: 1) }
            let reopened = try BotDatabase(path: path)
            #expect(try await reopened.pendingActionCount() == 50)
            try reopened.close()
        }
    }
}
