import Foundation
import Logging
import ServiceLifecycle

/// Long-polls `getUpdates` and hands each batch to `UpdateIntake`.
///
/// The offset moves past an update only once the intake settled it — stored durably, or recorded
/// as a dead letter — and the next `getUpdates` call confirms it to Telegram. A crash before that
/// makes Telegram deliver it again, and the intake's de-duplication ignores what it already
/// recorded. An update whose storing failed (and has tries left) holds the offset: it is fetched
/// again after a backoff, while the updates after it in the batch are stored all the same, so one
/// bad update costs the others a redelivery, never their processing; after
/// `POISON_UPDATE_ATTEMPTS` tries it is a dead letter and the offset moves on. 429 waits for
/// `retry_after`; 409, 5xx, timeouts and transport errors back off. It is no service of its own:
/// `WebhookSupervisor` runs it, and only after it removed any webhook (Telegram answers 409 to
/// `getUpdates` while one is set). On graceful shutdown the in-flight long poll is cancelled, a batch being recorded is
/// finished, and the last offset is confirmed.
public struct Poller: Sendable {
    /// The Bot API client.
    public let telegram: TelegramClient
    /// Where updates go.
    public let intake: UpdateIntake
    /// Long-poll timeout in seconds. Defaults to 25.
    public let pollTimeoutSeconds: Int
    /// Updates per call (1–100). Defaults to 100.
    public let batchLimit: Int
    /// Delays between failed calls.
    public let backoff: Backoff
    /// The shedding seam: returns `false` while the resource monitor refuses new pending actions.
    /// Defaults to always accepting.
    public let acceptsNewPendingActions: @Sendable () -> Bool
    /// Event log.
    public let logger: Logger

    /// The update kinds the bot asks for.
    public static let allowedUpdates = ["message", "edited_message", "callback_query"]

    /// Creates the poller.
    /// - Parameter backoff: Defaults to 1 second doubling up to 1 minute.
    public init(telegram: TelegramClient, intake: UpdateIntake, pollTimeoutSeconds: Int = 25, batchLimit: Int = 100,
                backoff: Backoff = Backoff(base: .seconds(1), maximum: .seconds(60)),
                acceptsNewPendingActions: @escaping @Sendable () -> Bool = { true }, logger: Logger) {
        self.telegram = telegram
        self.intake = intake
        self.pollTimeoutSeconds = max(pollTimeoutSeconds, 0)
        self.batchLimit = min(max(batchLimit, 1), 100)
        self.backoff = backoff
        self.acceptsNewPendingActions = acceptsNewPendingActions
        self.logger = logger
    }

    /// Polls until graceful shutdown or cancellation.
    public func poll() async throws {
        logger.info("polling for updates", metadata: ["mode": "polling"])
        var offset: Int64?
        var unconfirmed = false
        var failures = 0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let updates: [ReceivedUpdate]
            do {
                let telegram = telegram, offset = offset, limit = batchLimit, timeout = pollTimeoutSeconds
                updates = try await cancelWhenGracefulShutdown {
                    try await telegram.getUpdates(offset: offset, limit: limit, timeout: timeout, allowedUpdates: Self.allowedUpdates)
                }
                unconfirmed = false
                failures = 0
            } catch is CancellationError {
                break
            } catch {
                failures += 1
                guard await wait(after: error, attempt: failures) else { break }
                continue
            }
            guard !updates.isEmpty else { continue }
            // Not cancelled by graceful shutdown: a batch that arrived is recorded.
            let dispositions = await intake.receive(updates, acceptingNewPendingActions: acceptsNewPendingActions())
            let next = Self.offset(after: updates.map(\.update.updateID), dispositions: dispositions)
            if let next, next != offset {
                offset = next
                unconfirmed = true
            }
            if let retrying = zip(updates, dispositions).first(where: { !$0.1.isSettled }) {
                failures += 1
                let error = PollingStall(updateID: retrying.0.update.updateID, disposition: retrying.1)
                guard await wait(after: error, attempt: failures) else { break }
            }
        }
        if unconfirmed, let offset, !Task.isCancelled {
            // Confirm the last batch so that the next start does not receive it again.
            _ = try? await telegram.getUpdates(offset: offset, limit: 1, timeout: 0, allowedUpdates: Self.allowedUpdates)
        }
        logger.info("polling stopped", metadata: ["mode": "polling"])
    }

    /// The offset that confirms the settled prefix of a batch: one past the last update before the
    /// first that is still retrying, or past the whole batch; `nil` when its first update is
    /// retrying. Saturates instead of overflowing at `Int64.max`.
    static func offset(after updateIDs: [Int64], dispositions: [UpdateDisposition]) -> Int64? {
        let settled = zip(updateIDs, dispositions).prefix { $0.1.isSettled }.map(\.0)
        guard let last = settled.max() else { return nil }
        return last == .max ? last : last + 1
    }

    /// Logs `error` and sleeps as it asks; false when graceful shutdown interrupted the wait.
    private func wait(after error: any Error, attempt: Int) async -> Bool {
        var delay = backoff.delay(forAttempt: attempt)
        if let telegramError = error as? TelegramError {
            if let retryAfter = telegramError.retryAfter { delay = retryAfter }
            switch telegramError {
            case .conflict:
                logger.error("Telegram reports a conflict (a webhook is set or another instance polls)", metadata: ["error": "\(telegramError)", "mode": "polling"])
            case .unauthorized:
                logger.critical("Telegram refused the bot token; check TELEGRAM_BOT_TOKEN", metadata: ["mode": "polling"])
            default:
                logger.warning("getUpdates failed", metadata: ["error": "\(telegramError)", "retry_in": "\(delay)", "mode": "polling"])
            }
        } else if let stall = error as? PollingStall {
            logger.warning("an update is not stored yet; fetching it again", metadata: [
                "update_id": "\(stall.updateID)", "disposition": "\(stall.disposition)", "retry_in": "\(delay)", "mode": "polling",
            ])
        } else {
            logger.warning("polling failed", metadata: ["error": "\(error)", "retry_in": "\(delay)", "mode": "polling"])
        }
        let wait = delay
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            return true
        } catch {
            return false
        }
    }
}

/// An update of the last batch that the intake could not settle yet: the poller waits, then
/// fetches it again.
struct PollingStall: Error {
    var updateID: Int64
    var disposition: UpdateDisposition
}
