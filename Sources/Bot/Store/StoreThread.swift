import Dispatch
import Foundation

/// The store's own thread, `metro-store`: it runs every write of `BotDatabase`, and the workers'
/// reads, one after another, through GRDB's synchronous API.
///
/// GRDB's async accessors hop onto Dispatch queues, whose worker threads Dispatch creates on
/// demand and ends once idle: under a sparse load (a check-in now and then) nearly every store
/// call woke or created a thread, and the scheduler's futex traffic between Dispatch, Swift's
/// cooperative pool and the NIO loop was a third of a lone check-in's CPU. This thread
/// lives as long as the store, sleeps on a condition variable when there is nothing to do, and
/// runs GRDB's `write`/`writeWithoutTransaction` on itself: a `DispatchQueue.sync` onto an idle
/// serial queue runs the block on the calling thread, so no other thread takes part.
///
/// Jobs run in the order they were submitted. A job is never cancelled once submitted: a caller
/// whose task is cancelled still waits for its transaction, so that "committed" is never in doubt.
/// `stop` lets the thread finish every job already queued, then ends it; jobs submitted later are
/// refused.
final class StoreThread: @unchecked Sendable {
    /// The name the thread carries (`/proc/PID/task/TID/comm`, `top -H`).
    static let name = "metro-store"

    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var jobs: [@Sendable () -> Void] = []
    /// Guarded by `condition`.
    private var stopping = false
    private let exited = DispatchSemaphore(value: 0)

    /// Starts the thread.
    init() {
        let thread = Thread { [self] in serve() }
        thread.name = Self.name
        thread.start()
    }

    /// Runs `work` on the store thread and returns its result. Throws `StoreClosedError` when the
    /// thread was stopped before `work` was queued.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let queued = submit {
                continuation.resume(with: Result { try work() })
            }
            if !queued { continuation.resume(throwing: StoreClosedError()) }
        }
    }

    /// Jobs queued and not yet started (for tests).
    var queuedJobs: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count
    }

    /// Queues `job`; false when the thread is stopping.
    private func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        jobs.append(job)
        if jobs.count == 1 { condition.signal() }
        return true
    }

    private func serve() {
        #if os(Linux)
        // The name the kernel shows (`top -H`, `perf`, /proc/PID/task/TID/comm). A new thread
        // inherits its creator's; Foundation's `Thread.name` reaches the kernel only when the
        // thread starts after `start()` returned, a race.
        if let comm = fopen("/proc/thread-self/comm", "w") {
            fputs(Self.name, comm)
            fclose(comm)
        }
        #endif
        var batch: [@Sendable () -> Void] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                break
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job() }
            batch.removeAll(keepingCapacity: true)
        }
        exited.signal()
    }

    /// Refuses new jobs, lets the thread run the ones already queued, and ends it; with
    /// `waiting`, returns once it ended. Never call with `waiting` from a job.
    func stop(waiting: Bool) {
        condition.lock()
        let first = !stopping
        stopping = true
        condition.signal()
        condition.unlock()
        if waiting && first { exited.wait() }
    }
}

/// A store call made after `BotDatabase.close()`.
struct StoreClosedError: Error, CustomStringConvertible {
    var description: String { "the store is closed" }
}
