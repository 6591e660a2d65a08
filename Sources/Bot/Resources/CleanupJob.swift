import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Deletes abandoned pending actions: at start and then every `CLEANUP_INTERVAL`, pending actions
/// past their expiry (`created_at + PENDING_ACTION_TTL`) are removed (leaving a tombstone a day, so
/// that a late location still hears its request expired), and so are de-duplication records older
/// than a day, and dead letters, journaled events and received updates older than
/// `UPDATE_RETENTION` (the journal also beyond `EventJournal.maximumRows`). Each run is logged
/// with its count and kept in `status` for `/health`.
public struct CleanupJob: Service {
    /// The store.
    public let database: any BotStore
    /// Time between runs (`CLEANUP_INTERVAL`).
    public let interval: Duration
    /// How long processed update ids are kept for de-duplication. Defaults to one day.
    public let processedUpdateRetention: Duration
    /// How long dead letters, journaled events and received updates are kept (`UPDATE_RETENTION`).
    /// Defaults to 7 days.
    public let updateRetention: Duration
    /// Last run and totals.
    public let status: CleanupStatus
    /// Event log.
    public let logger: Logger
    /// Counts runs and removed pending actions for `/metrics`.
    public let metrics: BotMetrics
    /// The clock.
    public let now: @Sendable () -> Date

    /// Creates the job. `metrics` defaults to a registry of its own.
    public init(database: any BotStore, interval: Duration, processedUpdateRetention: Duration = .seconds(86_400),
                updateRetention: Duration = .seconds(7 * 86_400),
                status: CleanupStatus = CleanupStatus(), logger: Logger, metrics: BotMetrics = BotMetrics(),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.interval = interval
        self.processedUpdateRetention = processedUpdateRetention
        self.updateRetention = updateRetention
        self.status = status
        self.logger = logger
        self.metrics = metrics
        self.now = now
    }

    /// Runs once now, then every `interval` until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                logger.error("cleanup failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    /// One cleanup pass (the resource monitor also calls it at critical memory).
    /// - Returns: how many pending actions were deleted.
    @discardableResult
    public func runOnce() async throws -> Int {
        let now = now()
        let removed = try await database.deleteExpiredPendingActions(now: now)
        let pruned = try await database.pruneProcessedUpdates(olderThan: now.addingTimeInterval(-processedUpdateRetention.timeInterval))
        let retentionCutoff = now.addingTimeInterval(-updateRetention.timeInterval)
        let deadLettersPruned = try await database.pruneDeadLetters(olderThan: retentionCutoff)
        let journalPruned = try await database.pruneJournal(olderThan: retentionCutoff)
        status.record(run: now, removed: removed)
        metrics.cleanupRan(removed: removed)
        logger.info("cleanup ran", metadata: [
            "expired_pending_actions_removed": "\(removed)", "processed_updates_pruned": "\(pruned)",
            "dead_letters_pruned": "\(deadLettersPruned)", "journal_rows_pruned": "\(journalPruned)",
            "removed_total": "\(status.removedTotal)",
        ])
        return removed
    }
}

/// When cleanup last ran and how many pending actions it removed in total; thread-safe, read by
/// `/health`.
public final class CleanupStatus: Sendable {
    private let state = Mutex<(lastRun: Date?, removedTotal: Int)>((nil, 0))

    /// Creates an empty status.
    public init() {}

    /// The last run, or `nil` before the first.
    public var lastRun: Date? { state.withLock { $0.lastRun } }
    /// Pending actions removed since start.
    public var removedTotal: Int { state.withLock { $0.removedTotal } }

    func record(run: Date, removed: Int) {
        state.withLock {
            $0.lastRun = run
            $0.removedTotal += removed
        }
    }
}
