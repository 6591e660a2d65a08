import Foundation
import Logging
import ServiceLifecycle

/// Decides how the bot receives updates, and keeps it receiving them.
///
/// With no webhook URL it removes any webhook a previous deployment left and polls. Otherwise it
/// registers the webhook
/// (`WebhookSetup`), then checks delivery health every `WEBHOOK_WATCHDOG_INTERVAL`
/// (`WebhookWatchdog`). When setup fails or deliveries fail it deletes the webhook (keeping the
/// pending updates, which `getUpdates` then returns), long-polls for a while and tries the webhook
/// again; the while grows with each consecutive fallback. It never polls while a webhook is set:
/// the poller is stopped before `setWebhook` and started only after `deleteWebhook` succeeded.
/// Updates read by a cancelled poll but not confirmed are redelivered by Telegram and
/// de-duplicated by the intake, so the switch neither loses nor doubles one.
///
/// It is the one place that deletes the webhook. On graceful shutdown it stops polling; the
/// webhook stays registered so that Telegram keeps the updates for the next instance. (The bot
/// enters `stopping` in `StoppingFlag`, the first service to hear of the shutdown.)
///
/// When several instances share one store, it does all of this only while its `Leadership` says
/// this instance leads, checking every `leaderCheckInterval`; otherwise it stands by (mode
/// `standby`) while the instance serves the webhook route. An instance that loses the lead stops
/// polling at once, so two never poll together for longer than one check.
public final class WebhookSupervisor: Service, Sendable {
    /// How the supervisor behaves; see DESIGN.md's configuration table.
    public struct Configuration: Sendable {
        /// Setup of the webhook; nil (no `WEBHOOK_URL`) means polling only.
        public var setup: WebhookSetup?
        /// `WEBHOOK_WATCHDOG_INTERVAL`. Defaults to 60 seconds.
        public var watchdogInterval: Duration
        /// How long the bot polls after the n-th consecutive fallback before trying the webhook
        /// again: the backoff's ceiling for n. Defaults to the watchdog interval, doubling up to
        /// ten times it.
        public var webhookRetry: Backoff
        /// Seed of the setup's jitter; nil uses the system generator.
        public var jitterSeed: UInt64?
        /// Who leads among the instances sharing the store. Defaults to `SoleLeadership`.
        public var leadership: any Leadership
        /// `LEADER_CHECK_INTERVAL`: how often the lead is checked, both to take it and to notice
        /// it was lost. Defaults to 5 seconds.
        public var leaderCheckInterval: Duration

        public init(setup: WebhookSetup?, watchdogInterval: Duration = .seconds(60), webhookRetry: Backoff? = nil, jitterSeed: UInt64? = nil,
                    leadership: any Leadership = SoleLeadership(), leaderCheckInterval: Duration = .seconds(5)) {
            self.setup = setup
            self.watchdogInterval = watchdogInterval
            self.webhookRetry = webhookRetry ?? Backoff(base: watchdogInterval, maximum: watchdogInterval * 10)
            self.jitterSeed = jitterSeed
            self.leadership = leadership
            self.leaderCheckInterval = leaderCheckInterval
        }
    }

    private let configuration: Configuration
    private let telegram: TelegramClient
    private let status: RuntimeStatus
    private let metrics: BotMetrics
    private let logger: Logger
    private let poll: @Sendable () async throws -> Void

    /// - Parameters:
    ///   - poll: long-polls `getUpdates` and hands updates to the intake until cancelled.
    public init(
        configuration: Configuration,
        telegram: TelegramClient,
        status: RuntimeStatus,
        metrics: BotMetrics,
        logger: Logger,
        poll: @escaping @Sendable () async throws -> Void
    ) {
        self.configuration = configuration
        self.telegram = telegram
        self.status = status
        self.metrics = metrics
        self.logger = logger
        self.poll = poll
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.lead() }
        } catch is CancellationError {
            // Shutting down.
        }
        await configuration.leadership.resign()
    }

    /// Supervises while this instance leads; stands by while another one does.
    private func lead() async throws {
        let leadership = configuration.leadership
        let interval = configuration.leaderCheckInterval
        var standingBy = false
        while true {
            guard await leadership.claim() else {
                if !standingBy {
                    enter(.standby)
                    logger.info("another instance leads: standing by", metadata: ["mode": "standby"])
                    standingBy = true
                }
                try await Task.sleep(for: interval)
                continue
            }
            if standingBy { logger.info("took the lead") }
            standingBy = false
            let lostTheLead = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { try await self.supervise(); return false }
                group.addTask {
                    repeat { try await Task.sleep(for: interval) } while await leadership.claim()
                    return true
                }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
            guard lostTheLead else { return }
            // The supervisor was cancelled: polling stopped, the webhook left as it was for the
            // instance that leads now.
            logger.warning("lost the lead: stopped receiving updates by polling")
        }
    }

    private func supervise() async throws {
        guard let setup = configuration.setup else {
            try await removeWebhook()
            enter(.polling)
            logger.info("no WEBHOOK_URL: polling for updates")
            try await poll()
            return
        }
        var jitter = JitterSource(seed: configuration.jitterSeed)
        var consecutiveFallbacks = 0
        while true {
            try Task.checkCancellation()
            var fallbackReason = ""
            do {
                try await setup.register(with: telegram, using: &jitter) { attempt in self.report(attempt, of: setup) }
                status.setWebhookSet(true)
                status.setLastTelegramError(nil)
                enter(.webhook)
                logger.info("webhook set", metadata: ["mode": "webhook"])
                let (reason, healthyChecks) = try await watchDeliveries(of: setup)
                if healthyChecks > 0 { consecutiveFallbacks = 0 }
                logger.warning("webhook deliveries failing: falling back to polling", metadata: ["reason": "\(reason)"])
                fallbackReason = "webhook deliveries failing: \(reason)"
            } catch let error as TelegramError {
                status.setLastTelegramError(error.description)
                logger.error("webhook setup failed: falling back to polling", metadata: [
                    "attempts": "\(setup.attempts)", "error": "\(error)",
                ])
                fallbackReason = "webhook setup failed after \(setup.attempts) attempts: \(error)"
            }
            metrics.fellBackToPolling()
            try await removeWebhook()
            enter(.polling, asFallback: true, reason: fallbackReason)
            consecutiveFallbacks += 1
            let pollingTime = configuration.webhookRetry.ceiling(forAttempt: consecutiveFallbacks)
            logger.info("polling; the webhook is tried again later", metadata: ["mode": "polling", "retry_in": "\(pollingTime)"])
            try await poll(for: pollingTime)
        }
    }

    /// Checks delivery health until it fails; returns why, and how many checks passed before.
    private func watchDeliveries(of setup: WebhookSetup) async throws -> (reason: String, healthyChecks: Int) {
        let watchdog = WebhookWatchdog()
        var previous = WebhookWatchdog.Observation(checkedAt: Self.unixNow(), pendingUpdateCount: 0)
        var healthyChecks = 0
        while true {
            try await Task.sleep(for: configuration.watchdogInterval)
            let info: WebhookInfo
            do {
                info = try await telegram.getWebhookInfo()
            } catch let error as TelegramError {
                // Telegram itself unreachable says nothing about our endpoint: look again later.
                status.setLastTelegramError(error.description)
                logger.warning("getWebhookInfo failed", metadata: ["error": "\(error)"])
                continue
            }
            let now = Self.unixNow()
            if info.url != setup.url {
                status.setWebhookSet(false)
                return ("the webhook was removed or replaced outside the bot", healthyChecks)
            }
            if let failure = watchdog.failure(of: info, now: now, previous: previous) {
                status.setLastTelegramError(info.lastErrorMessage ?? failure)
                return (failure, healthyChecks)
            }
            healthyChecks += 1
            // Telegram answered and deliveries are healthy: an earlier getWebhookInfo failure is
            // over (`chaos explore` found /health degraded forever after one 503).
            status.setLastTelegramError(nil)
            previous = .init(checkedAt: now, pendingUpdateCount: info.pendingUpdateCount)
        }
    }

    /// Deletes the webhook, keeping pending updates for `getUpdates`; retries until it worked,
    /// because polling while a webhook is set only earns 409s.
    private func removeWebhook() async throws {
        var attempt = 0
        var jitter = JitterSource(seed: configuration.jitterSeed)
        while true {
            do {
                try await telegram.deleteWebhook(dropPendingUpdates: false)
                status.setWebhookSet(false)
                return
            } catch let error as TelegramError {
                attempt += 1
                status.setLastTelegramError(error.description)
                let delay = max(configuration.webhookRetry.delay(forAttempt: attempt, using: &jitter), error.retryAfter ?? .zero)
                logger.warning("deleteWebhook failed", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Polls for `duration`, then stops the poller (its unconfirmed updates stay with Telegram).
    private func poll(for duration: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.poll() }
            group.addTask { try await Task.sleep(for: duration) }
            try await group.next()
            // The poller ends with CancellationError when it is stopped: that is the plan, not an
            // error, and the group discards it while it waits for the poller to finish.
            group.cancelAll()
            try Task.checkCancellation()
        }
    }

    private func enter(_ mode: RuntimeMode, asFallback: Bool = false, reason: String? = nil) {
        if status.enter(mode, asFallback: asFallback) {
            metrics.modeChanged(to: mode, reason: reason)
        }
    }

    private func report(_ attempt: WebhookSetup.Attempt, of setup: WebhookSetup) {
        metrics.webhookSetupAttempt(outcome: attempt.error == nil ? "success" : "failure", error: attempt.error.map { "\($0)" })
        guard let error = attempt.error else { return }
        var metadata: Logger.Metadata = ["attempt": "\(attempt.number)/\(setup.attempts)", "error": "\(error)"]
        if let delay = attempt.nextDelay { metadata["retry_in"] = "\(delay)" }
        logger.warning("setWebhook failed", metadata: metadata)
    }

    private static func unixNow() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }
}
