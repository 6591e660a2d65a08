import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Synchronization

/// Appends queued attendance rows to the sheet, in order, exactly once.
///
/// A row leaves the outbox only after Sheets confirmed its append. Before each append the rows'
/// `attempts` are counted in the store, so that a crash during the append leaves a trace: on the
/// next start, and after any error whose outcome is unknown (a timeout after Sheets committed),
/// the worker first asks Sheets which row keys (`update_id`) it already holds and deletes those
/// instead of appending them again. Failures keep the rows queued, with `attempts`/`last_error`,
/// and back off; a `CircuitBreaker` stops hammering a dead Sheets.
///
/// The worker sleeps until `doorbell` rings (`UpdateIntake` rings it after queueing a row). On
/// graceful shutdown it makes one last pass without backoff and returns; whatever is left stays
/// in the store for the next start.
public struct OutboxWorker: Service {
    /// The store.
    public let database: BotDatabase
    /// Where rows go (`SheetsClient`).
    public let sheets: any SheetRowAppending
    /// Rung when rows are queued.
    public let doorbell: Doorbell
    /// Delays between failed attempts.
    public let backoff: Backoff
    /// Shared with `/health` (issue 5), which shows its state.
    public let circuitBreaker: CircuitBreaker
    /// Rows per append call. Defaults to 100.
    public let batchSize: Int
    /// After an append whose outcome is unknown (a timeout), how long to wait before asking the
    /// sheet which rows it holds, so that a request Sheets is still processing lands before the
    /// check instead of after a second append. Defaults to 30 seconds (`HTTP_TIMEOUT` in the bot).
    public let settleDelay: Duration
    /// Event log.
    public let logger: Logger
    /// Counters and the last error, for `/health` and tests.
    public let status: OutboxStatus

    /// Creates the worker.
    /// - Parameters:
    ///   - backoff: Defaults to 500 ms doubling up to 1 minute.
    ///   - circuitBreaker: Defaults to one opening after 5 consecutive failures for 30 seconds.
    ///   - batchSize: Rows per append. Defaults to 100.
    ///   - settleDelay: Wait before checking the sheet after an uncertain append. Defaults to 30 seconds.
    public init(database: BotDatabase, sheets: any SheetRowAppending, doorbell: Doorbell,
                backoff: Backoff = Backoff(base: .milliseconds(500), maximum: .seconds(60)),
                circuitBreaker: CircuitBreaker = CircuitBreaker(), batchSize: Int = 100,
                settleDelay: Duration = .seconds(30),
                logger: Logger, status: OutboxStatus = OutboxStatus()) {
        self.database = database
        self.sheets = sheets
        self.doorbell = doorbell
        self.backoff = backoff
        self.circuitBreaker = circuitBreaker
        self.batchSize = max(batchSize, 1)
        self.settleDelay = settleDelay
        self.logger = logger
        self.status = status
    }

    /// Runs until graceful shutdown (then flushes once) or cancellation.
    public func run() async throws {
        var state = DrainState(verifyBeforeAppend: try await database.hasAttemptedRows())
        if state.verifyBeforeAppend {
            logger.notice("outbox has rows tried before the last stop; checking the sheet before appending them")
        }
        await drain(&state, backingOff: true)
        for await _ in doorbell.rings.cancelOnGracefulShutdown() {
            await drain(&state, backingOff: true)
        }
        guard !Task.isCancelled else { return }
        await drain(&state, backingOff: false)
        let left = (try? await database.outboxStatus().queued) ?? -1
        logger.info("outbox worker stopped", metadata: ["rows_left": "\(left)"])
    }

    struct DrainState {
        var verifyBeforeAppend: Bool
        var consecutiveFailures = 0
    }

    /// Appends batches until the outbox is empty, or (without `backingOff`) until the first
    /// failure; with `backingOff`, failures wait and retry until graceful shutdown.
    func drain(_ state: inout DrainState, backingOff: Bool) async {
        while !Task.isCancelled {
            do {
                let batch = try await database.queuedRows(limit: batchSize)
                if batch.isEmpty { return }
                try await appendOnce(batch, state: &state)
                state.consecutiveFailures = 0
            } catch is CancellationError {
                return
            } catch {
                state.consecutiveFailures += 1
                let delay: Duration
                if let open = error as? CircuitOpenError {
                    delay = max(open.retryAfter, .milliseconds(10))
                } else if Self.mayHaveBeenApplied(error) {
                    delay = max(settleDelay, backoff.delay(forAttempt: state.consecutiveFailures))
                } else {
                    delay = backoff.delay(forAttempt: state.consecutiveFailures)
                }
                status.recordFailure(String(describing: error))
                logger.warning("append to Sheets failed; rows stay queued", metadata: [
                    "error": "\(error)", "attempt": "\(state.consecutiveFailures)", "retry_in": "\(delay)",
                ])
                guard backingOff, !Task.isShuttingDownGracefully else { return }
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                } catch {
                    return
                }
            }
        }
    }

    /// One batch: verify if needed, count the attempt, append, delete. Throws on failure.
    private func appendOnce(_ batch: [OutboxEntry], state: inout DrainState) async throws {
        var rows = batch
        if state.verifyBeforeAppend {
            if rows.contains(where: { $0.attempts > 0 }) {
                let keys = Set(rows.map(\.updateID))
                let sheets = sheets
                let present = try await circuitBreaker.run(countsAsFailure: Self.countsAsFailure) {
                    try await sheets.existingRowKeys(among: keys)
                }
                if !present.isEmpty {
                    try await database.deleteAppendedRows(updateIDs: Array(present))
                    status.recordAlreadyPresent(present.count)
                    logger.notice("rows already in the sheet; removed from the outbox without appending again", metadata: [
                        "update_ids": "\(present.sorted())",
                    ])
                }
                rows.removeAll { present.contains($0.updateID) }
            } else {
                state.verifyBeforeAppend = false
            }
        }
        guard !rows.isEmpty else { return }
        let keys = rows.map(\.updateID)
        try await database.recordAppendAttempt(updateIDs: keys)
        let cells = rows.map(\.cells)
        let sheets = sheets
        do {
            try await circuitBreaker.run(countsAsFailure: Self.countsAsFailure) {
                try await sheets.appendRows(cells)
            }
        } catch {
            if Self.mayHaveBeenApplied(error) { state.verifyBeforeAppend = true }
            try? await database.recordAppendFailure(updateIDs: keys, error: String(describing: error))
            throw error
        }
        do {
            try await database.deleteAppendedRows(updateIDs: keys)
        } catch {
            // Appended but still queued: check the sheet before appending these again.
            state.verifyBeforeAppend = true
            throw error
        }
        status.recordAppended(rows.count)
        logger.info("rows appended to Sheets", metadata: ["count": "\(rows.count)", "update_ids": "\(keys.first!)…\(keys.last!)"])
    }

    /// Whether the append behind `error` may have reached the sheet (a timeout, a dropped
    /// connection): then the sheet is checked before the rows are appended again.
    static func mayHaveBeenApplied(_ error: any Error) -> Bool {
        if error is CircuitOpenError || error is DatabaseError { return false }
        if let sheetsError = error as? SheetsError { return sheetsError.mayHaveBeenApplied }
        return true
    }

    /// Whether `error` says Sheets is unhealthy (for the circuit breaker).
    static let countsAsFailure: @Sendable (any Error) -> Bool = { error in
        (error as? SheetsError)?.isRetryable ?? true
    }
}

/// What the outbox worker did, for `/health` and tests. Thread-safe.
public final class OutboxStatus: Sendable {
    private struct Counters {
        var appended = 0
        var alreadyPresent = 0
        var failures = 0
        var lastError: String?
    }
    private let counters = Mutex(Counters())

    /// Creates empty counters.
    public init() {}

    /// Rows appended since start.
    public var appendedTotal: Int { counters.withLock { $0.appended } }
    /// Rows found already in the sheet and not appended again, since start.
    public var alreadyPresentTotal: Int { counters.withLock { $0.alreadyPresent } }
    /// Failed attempts since start.
    public var failureTotal: Int { counters.withLock { $0.failures } }
    /// The last failure, if any.
    public var lastError: String? { counters.withLock { $0.lastError } }

    func recordAppended(_ count: Int) { counters.withLock { $0.appended += count } }
    func recordAlreadyPresent(_ count: Int) { counters.withLock { $0.alreadyPresent += count } }
    func recordFailure(_ error: String) {
        counters.withLock {
            $0.failures += 1
            $0.lastError = error
        }
    }
}
