import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Synchronization
import MetroSupport

/// Appends queued attendance rows to the sheet, in order, exactly once.
///
/// A row leaves the outbox only after Sheets confirmed its append. Before each append the rows'
/// `attempts` and `last_attempt_at` are recorded in the store, so that a crash during the append
/// leaves a trace: on the next start, and after any error whose outcome is unknown (a timeout
/// after Sheets committed), the worker first asks Sheets which row keys (`update_id`) it already
/// holds and deletes those instead of appending them again. That check waits until
/// `settleDelay` has passed since the rows' last attempt: an append sent by a process that was
/// killed a moment ago may still be in flight (or held by a slow Sheets), and a check made before
/// it lands would see nothing and append the rows a second time. Failures keep the rows queued,
/// with `attempts`/`last_error`, and back off; a `CircuitBreaker` stops hammering a dead Sheets.
///
/// The worker sleeps until `doorbell` rings (`UpdateIntake` rings it after queueing a row). On
/// graceful shutdown it makes one last pass without backoff and returns; whatever is left stays
/// in the store for the next start.
public struct OutboxWorker: Service {
    /// The store.
    public let database: any BotStore
    /// Where rows go (`SheetsClient`).
    public let sheets: any SheetRowAppending
    /// Rung when rows are queued.
    public let doorbell: Doorbell
    /// Delays between failed attempts.
    public let backoff: Backoff
    /// Shared with `/health`, which shows its state.
    public let circuitBreaker: CircuitBreaker
    /// Rows per append call. Defaults to 100.
    public let batchSize: Int
    /// How long after an append attempt started (and after an append failed with an unknown
    /// outcome) the worker waits before asking the sheet which rows it holds, so that a request
    /// Sheets is still processing lands before the check instead of after a second append. The
    /// bot uses `settleDelay(forHTTPTimeout:)`. Defaults to 90 seconds (that of a 30 s timeout).
    public let settleDelay: Duration
    /// The clock of `last_attempt_at`; tests may pass another.
    public let now: @Sendable () -> Date
    /// Event log.
    public let logger: Logger
    /// Counters and the last error, for `/health` and tests.
    public let status: OutboxStatus
    /// Where a growing backlog is reported (and so journaled).
    public let metrics: BotMetrics

    /// The ages of the oldest queued row whose crossing is journaled: 1, 5 and 30 minutes.
    static let backlogThresholds: [TimeInterval] = [60, 300, 1_800]

    /// Creates the worker.
    /// - Parameters:
    ///   - backoff: Defaults to 500 ms doubling up to 1 minute.
    ///   - circuitBreaker: Defaults to one opening after 5 consecutive failures for 30 seconds.
    ///   - batchSize: Rows per append. Defaults to 100.
    ///   - settleDelay: Wait before checking the sheet after an uncertain append. Defaults to 90 seconds.
    ///   - now: Defaults to the system clock.
    ///   - metrics: Defaults to a registry of its own.
    public init(database: any BotStore, sheets: any SheetRowAppending, doorbell: Doorbell,
                backoff: Backoff = Backoff(base: .milliseconds(500), maximum: .seconds(60)),
                circuitBreaker: CircuitBreaker = CircuitBreaker(), batchSize: Int = 100,
                settleDelay: Duration = OutboxWorker.settleDelay(forHTTPTimeout: .seconds(30)),
                now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger, status: OutboxStatus = OutboxStatus(), metrics: BotMetrics = BotMetrics()) {
        self.database = database
        self.sheets = sheets
        self.doorbell = doorbell
        self.backoff = backoff
        self.circuitBreaker = circuitBreaker
        self.batchSize = max(batchSize, 1)
        self.settleDelay = settleDelay
        self.now = now
        self.logger = logger
        self.status = status
        self.metrics = metrics
    }

    /// Rings the doorbell once after a while, so that the worker looks again at rows another bot
    /// instance holds: no ring comes when such a row's lease runs out (its holder may be dead).
    private let recheck = DelayedRing()

    /// The settle delay for an `HTTP_TIMEOUT` of `httpTimeout`: three times the timeout.
    ///
    /// Why three: the attempt is recorded before `appendRows` starts, and an append may take two
    /// requests in a row, each bounded by `HTTP_TIMEOUT` — an access-token refresh (rare, the
    /// token is cached for an hour) and the append itself. By attempt + 2 × `HTTP_TIMEOUT` the
    /// client that sent it, in this process or in one that was killed, has given up on it. The
    /// third `HTTP_TIMEOUT` is for Sheets to finish (or drop) a request whose client went away:
    /// we assume Sheets works on a request no longer than we would have waited for its answer.
    /// Not covered: `SheetsClient`'s internal retries after a 429/503 (which guarantee nothing was
    /// written) can send the last append later than the window assumes when every step runs to
    /// its deadline. Waiting costs only latency (the rows are safe in the outbox); a check made
    /// too early costs a duplicate row, so the window errs long: 90 s for the default 30 s.
    public static func settleDelay(forHTTPTimeout httpTimeout: Duration) -> Duration {
        httpTimeout * 3
    }

    /// Runs until graceful shutdown (then flushes once) or cancellation.
    public func run() async throws {
        var state = DrainState(verifyBeforeAppend: try await database.hasAttemptedRows(), startedAt: now())
        if state.verifyBeforeAppend {
            logger.notice("outbox has rows tried before the last stop; checking the sheet before appending them")
        }
        await drain(&state, backingOff: true)
        await scheduleRecheckIfRowsRemain()
        for await _ in doorbell.rings.cancelOnGracefulShutdown() {
            await drain(&state, backingOff: true)
            await scheduleRecheckIfRowsRemain()
        }
        guard !Task.isCancelled else { return }
        await drain(&state, backingOff: false)
        let left = (try? await database.outboxStatus().queued) ?? -1
        logger.info("outbox worker stopped", metadata: ["rows_left": "\(left)"])
    }

    struct DrainState {
        var verifyBeforeAppend: Bool
        /// When this worker started: the attempt time assumed for rows tried before
        /// `last_attempt_at` existed (they were tried by an earlier process, so no later).
        var startedAt: Date
        var consecutiveFailures = 0
        /// How many of `backlogThresholds` the oldest queued row's age has crossed, as last reported.
        var backlogLevel = 0
    }

    /// On a shared store, rows can stay queued after a pass because another instance holds them,
    /// and no ring comes when their lease runs out (their holder may be dead): while any row is
    /// queued, looks again after `settleDelay / 3` (one `HTTP_TIMEOUT`; a lease lasts six). On
    /// SQLite a pass leaves rows only when it failed, and it retries those itself.
    private func scheduleRecheckIfRowsRemain() async {
        guard database.kind == .postgres, !Task.isShuttingDownGracefully,
              let queued = try? await database.outboxStatus().queued, queued > 0 else { return }
        recheck.schedule(after: settleDelay / 3, doorbell: doorbell)
    }

    /// Appends batches until the outbox is empty, or (without `backingOff`) until the first
    /// failure; with `backingOff`, failures wait and retry until graceful shutdown.
    func drain(_ state: inout DrainState, backingOff: Bool) async {
        while !Task.isCancelled {
            var batch: [OutboxEntry] = []
            do {
                // With nothing to check first, the rows are claimed and their attempt counted in
                // one store call; otherwise the attempt is counted after the check.
                let attemptRecorded = !state.verifyBeforeAppend
                batch = try await database.claimQueuedRows(limit: batchSize, countingAttemptAt: attemptRecorded ? now() : nil)
                // Another bot process claimed some of these rows and stopped before finishing
                // them (a shared store only): it may have appended them, so the sheet is checked
                // first, as after a restart.
                if batch.contains(where: \.claimAbandoned) {
                    logger.notice("outbox rows were left unfinished by another bot instance; checking the sheet before appending them")
                    state.verifyBeforeAppend = true
                }
                if batch.isEmpty {
                    if state.backlogLevel > 0 { metrics.outboxBacklog(level: 0, oldestAgeSeconds: 0, queuedAtLeast: 0) }
                    state.backlogLevel = 0
                    return
                }
                try await appendOnce(batch, attemptRecorded: attemptRecorded, state: &state)
                state.consecutiveFailures = 0
                // Less than a full batch, and no backlog to report over: the outbox held nothing
                // more when it was read, and a row queued since rang the doorbell again.
                if batch.count < batchSize && state.backlogLevel == 0 { return }
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
                if let oldest = batch.first {
                    // The oldest row was read for this attempt anyway: its age costs no query.
                    let age = now().timeIntervalSince(oldest.enqueuedAt)
                    let level = Self.backlogThresholds.filter { age >= $0 }.count
                    if level > state.backlogLevel {
                        metrics.outboxBacklog(level: level, oldestAgeSeconds: age, queuedAtLeast: batch.count)
                    }
                    state.backlogLevel = max(state.backlogLevel, level)
                }
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

    /// One batch: verify if needed, count the attempt (unless `attemptRecorded`: counted when the
    /// batch was read), append, delete. Throws on failure.
    private func appendOnce(_ batch: [OutboxEntry], attemptRecorded: Bool, state: inout DrainState) async throws {
        var rows = batch
        if state.verifyBeforeAppend {
            let attempted = rows.filter { $0.attempts > 0 }
            if !attempted.isEmpty {
                try await waitForEarlierAppendsToSettle(attempted, state: state)
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
        if !attemptRecorded { try await database.recordAppendAttempt(updateIDs: keys, startedAt: now()) }
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

    /// Sleeps until `settleDelay` has passed since the latest attempt among `attempted`, so that
    /// an append still in flight (possibly sent by a process that was killed) lands before the
    /// sheet is checked. During graceful shutdown it does not wait: it throws
    /// `CancellationError` and the rows stay queued for the next start.
    private func waitForEarlierAppendsToSettle(_ attempted: [OutboxEntry], state: DrainState) async throws {
        let lastAttempt = attempted.map { $0.lastAttemptAt ?? state.startedAt }.max() ?? state.startedAt
        let settledAt = lastAttempt.addingTimeInterval(settleDelay.timeInterval)
        let wait = settledAt.timeIntervalSince(now())
        guard wait > 0 else { return }
        let metadata: Logger.Metadata = [
            "update_ids": "\(attempted.map(\.updateID))", "last_attempt": "\(AttendanceRow.formatTimestamp(lastAttempt))",
            "check_at": "\(AttendanceRow.formatTimestamp(settledAt))",
        ]
        guard !Task.isShuttingDownGracefully else {
            logger.notice("stopping before an earlier append settled; rows stay queued for the next start", metadata: metadata)
            throw CancellationError()
        }
        logger.notice("waiting for an earlier append to settle before checking the sheet", metadata: metadata)
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64((wait * 1_000).rounded(.up)))) }
    }

    /// Whether the append behind `error` may have reached the sheet (a timeout, a dropped
    /// connection): then the sheet is checked before the rows are appended again.
    static func mayHaveBeenApplied(_ error: any Error) -> Bool {
        if error is CircuitOpenError || error is DatabaseError || error is ClaimLostError || error is PostgresQueryError
            || error is StoreUnavailable { return false }
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
        var lastAttemptSucceeded: Bool?
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
    /// Whether the last append attempt succeeded; nil before the first.
    public var lastAttemptSucceeded: Bool? { counters.withLock { $0.lastAttemptSucceeded } }

    func recordAppended(_ count: Int) {
        counters.withLock {
            $0.appended += count
            $0.lastAttemptSucceeded = true
        }
    }
    func recordAlreadyPresent(_ count: Int) { counters.withLock { $0.alreadyPresent += count } }
    func recordFailure(_ error: String) {
        counters.withLock {
            $0.failures += 1
            $0.lastError = error
            $0.lastAttemptSucceeded = false
        }
    }
}

/// Rings a doorbell once after a delay; while one ring is scheduled, asking for another does nothing.
final class DelayedRing: Sendable {
    private let scheduled = Mutex(false)

    func schedule(after delay: Duration, doorbell: Doorbell) {
        let first = scheduled.withLock { scheduled in
            defer { scheduled = true }
            return !scheduled
        }
        guard first else { return }
        Task {
            try? await Task.sleep(for: delay)
            self.scheduled.withLock { $0 = false }
            doorbell.ring()
        }
    }
}
