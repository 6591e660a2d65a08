import Foundation
import Synchronization

/// The updates whose storing failed for a reason that may pass, with how often and since when.
///
/// Each gets `maximumAttempts` tries (`POISON_UPDATE_ATTEMPTS`), counted here across Telegram's
/// redeliveries or the poller's refetches, before it becomes a dead letter; meanwhile `/health`
/// shows them, and says `degraded` once the oldest has been failing longer than the stall limit.
/// Kept in memory: after a restart an update gets its tries again, which errs on the side of
/// processing it.
public final class RetryingUpdates: Sendable {
    /// One failing update.
    public struct Entry: Sendable, Equatable {
        /// The update.
        public var updateID: Int64
        /// Tries that failed.
        public var attempts: Int
        /// When the first try failed.
        public var since: Date
        /// The last error.
        public var lastError: String
    }

    /// Tries before an update becomes a dead letter.
    public let maximumAttempts: Int
    private let entries = Mutex<[Int64: Entry]>([:])

    /// - Parameter maximumAttempts: `POISON_UPDATE_ATTEMPTS`. Defaults to 5.
    public init(maximumAttempts: Int = 5) {
        self.maximumAttempts = max(maximumAttempts, 1)
    }

    /// Counts a failed try of `updateID`; returns the tries so far.
    func recordFailure(updateID: Int64, error: String, now: Date) -> Int {
        entries.withLock { entries in
            var entry = entries[updateID] ?? Entry(updateID: updateID, attempts: 0, since: now, lastError: error)
            entry.attempts += 1
            entry.lastError = error
            entries[updateID] = entry
            return entry.attempts
        }
    }

    /// Forgets `updateIDs`: stored, or dead-lettered.
    func settle(_ updateIDs: some Sequence<Int64>) {
        entries.withLock { entries in
            guard !entries.isEmpty else { return }
            for id in updateIDs { entries[id] = nil }
        }
    }

    /// How many updates are failing now.
    public var count: Int { entries.withLock { $0.count } }

    /// The update failing the longest, if any.
    public var oldest: Entry? {
        entries.withLock { $0.values.min { ($0.since, $0.updateID) < ($1.since, $1.updateID) } }
    }
}
