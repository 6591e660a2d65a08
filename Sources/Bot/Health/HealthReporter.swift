import Foundation
import MetroSupport

/// Builds `/health` from the live parts of the bot. Every figure is read when asked: the store's
/// counts from SQLite, memory from the resource monitor's latest reading (taken every second).
public struct HealthReporter: Sendable {
    let version: String
    let startedAt: ContinuousClock.Instant
    let database: any BotStore
    let status: RuntimeStatus
    let resources: ResourceMonitor
    let outbox: OutboxStatus
    let circuitBreaker: CircuitBreaker
    let cleanup: CleanupStatus
    let siteCount: Int
    let retrying: RetryingUpdates
    let intakeStallAfter: Duration
    let storeReadLimit: Duration

    /// Creates the reporter.
    /// - Parameters:
    ///   - retrying: the intake's failing updates. Defaults to a tracker of its own (none).
    ///   - intakeStallAfter: `INTAKE_STALL_AFTER`. Defaults to 2 minutes.
    ///   - storeReadLimit: how long the report waits for the store's counts. Defaults to
    ///     `defaultStoreReadLimit`; a test on a loaded machine that is not about the bound gives more.
    public init(version: String, startedAt: ContinuousClock.Instant = .now, database: any BotStore, status: RuntimeStatus,
                resources: ResourceMonitor, outbox: OutboxStatus, circuitBreaker: CircuitBreaker,
                cleanup: CleanupStatus, siteCount: Int, retrying: RetryingUpdates = RetryingUpdates(),
                intakeStallAfter: Duration = .seconds(120), storeReadLimit: Duration = HealthReporter.defaultStoreReadLimit) {
        self.version = version
        self.startedAt = startedAt
        self.database = database
        self.status = status
        self.resources = resources
        self.outbox = outbox
        self.circuitBreaker = circuitBreaker
        self.cleanup = cleanup
        self.siteCount = siteCount
        self.retrying = retrying
        self.intakeStallAfter = intakeStallAfter
        self.storeReadLimit = storeReadLimit
    }

    /// How long `/health` waits for the store's counts before it answers that the store cannot
    /// be read.
    public static let defaultStoreReadLimit: Duration = .seconds(2)

    /// How long a dead letter keeps the bot `degraded`.
    static let deadLetterAlertWindow: TimeInterval = 86_400

    /// The report now. A store that cannot be read makes the bot `unhealthy`.
    public func report() async -> HealthReport {
        let snapshot = resources.latest
        var storeProblem: String?
        var pending = 0
        var queue: (queued: Int, oldestEnqueuedAt: Date?) = (0, nil)
        var deadLetters = DeadLetterSummary(count: 0, lastAt: nil, lastReason: nil)
        let database = database
        do {
            // A probe waits seconds at most (Kubernetes' readiness probe here: 3 s), while a
            // store that is unreachable makes its callers wait for a connection for longer.
            if let counts = try await result(within: storeReadLimit, of: {
                (try await database.pendingActionCount(), try await database.outboxStatus(), try await database.deadLetterSummary())
            }) {
                (pending, queue, deadLetters) = counts
            } else {
                storeProblem = "no answer within \(DurationText.format(storeReadLimit))"
            }
        } catch {
            storeProblem = PostgresStoreError.describe(error)
        }
        let now = Date()
        let recentDeadLetter = deadLetters.lastAt.flatMap { now.timeIntervalSince($0) < Self.deadLetterAlertWindow ? deadLetters.lastReason : nil }
        let failing = retrying.oldest
        let stalledIntake = failing.flatMap { entry -> String? in
            guard now.timeIntervalSince(entry.since) > intakeStallAfter.timeInterval else { return nil }
            return "the intake is stuck: update \(entry.updateID) has failed \(entry.attempts) times since \(Int(now.timeIntervalSince(entry.since))) s ago (\(entry.lastError))"
        }
        let outboxReport = HealthReport.Outbox(
            queued: queue.queued,
            oldestAgeSeconds: queue.oldestEnqueuedAt.map { max(0, now.timeIntervalSince($0)) })
        let circuit = await circuitBreaker.state().rawValue
        let sheetsStatus = switch outbox.lastAttemptSucceeded {
        case nil: "idle"
        case true?: "ok"
        case false?: "failing"
        }
        let verdict = storeProblem == nil ? HealthReport.verdict(
            pressure: snapshot?.pressure ?? .normal, outbox: outboxReport, circuit: circuit,
            telegramError: status.lastTelegramError, pollingAsFallback: status.pollingAsFallback,
            recentDeadLetter: recentDeadLetter, stalledIntake: stalledIntake)
            : (status: .unhealthy, reasons: ["the store (\(database.kind.rawValue)) cannot be read: \(storeProblem ?? "")"])
        let uptime = ContinuousClock.now - startedAt
        return HealthReport(
            status: verdict.status,
            reasons: verdict.reasons,
            mode: status.mode,
            uptimeSeconds: Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18,
            version: version,
            memory: .init(rssBytes: snapshot?.residentBytes ?? 0, limitBytes: snapshot?.limitBytes ?? 0,
                          percent: snapshot?.memoryPercent ?? 0),
            cpuPercent: snapshot?.cpuPercent ?? 0,
            diskPercent: snapshot?.diskPercent,
            pendingActions: pending,
            outbox: outboxReport,
            telegram: .init(webhookSet: status.webhookSet, lastError: status.lastTelegramError),
            sheets: .init(status: sheetsStatus, circuit: circuit),
            location: .init(sites: siteCount),
            cleanup: .init(lastRun: cleanup.lastRun, removedTotal: cleanup.removedTotal),
            deadLetters: .init(count: deadLetters.count, lastAt: deadLetters.lastAt, lastReason: deadLetters.lastReason),
            intake: .init(retrying: retrying.count, oldestUpdateID: failing?.updateID, failingSince: failing?.since,
                          lastError: failing?.lastError),
            store: .init(kind: database.kind))
    }
}
