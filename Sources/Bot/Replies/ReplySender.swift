import Foundation
import Logging
import ServiceLifecycle
import MetroSupport

/// Sends the replies recorded in `outgoing_messages` through `TelegramClient.sendMessage` and
/// deletes each once Telegram accepted it, so a reply survives a crash right after its check-in
/// was recorded (a crash after sending but before deleting sends it again: at least once).
///
/// It also sends the callback answers recorded in `callback_answers` (`answerCallbackQuery`),
/// first in each pass and concurrently, as the user's button spins until then. They are retried
/// like replies, but Telegram accepts an answer only for a short while after the press, so one
/// older than `callbackAnswerValidity` is dropped unsent instead of being retried forever; a 400
/// ("query is too old … or query ID is invalid") drops it too.
///
/// Messages of one chat go out in order; different chats are served concurrently. A 429 pauses
/// for its `retry_after`; 5xx, timeouts and transport errors back off and retry; a message
/// Telegram refuses for good (400/403: chat not found, bot blocked) is dropped with a log line.
/// Sleeps until `doorbell` rings; on graceful shutdown makes one last pass and returns.
public struct ReplySender: Service {
    /// The store.
    public let database: any BotStore
    /// The Bot API client.
    public let telegram: TelegramClient
    /// Rung when replies are recorded.
    public let doorbell: Doorbell
    /// Delays between failed attempts.
    public let backoff: Backoff
    /// Messages read per pass. Defaults to 200.
    public let batchSize: Int
    /// Chats (and callback answers) served at once. Defaults to `defaultMaxConcurrentChats`.
    public let maxConcurrentChats: Int
    /// 32. The bot's HTTP client keeps one connection per host more than this (`BotApplication`),
    /// so that every chat in flight has a connection besides the poller's long poll.
    public static let defaultMaxConcurrentChats = 32
    /// How long after it was recorded a callback answer is still sent. Telegram does not document
    /// the limit; in practice it refuses answers about 15 seconds after the press ("query is too
    /// old and response timeout expired or query ID is invalid"). Defaults to 15 seconds.
    public let callbackAnswerValidity: Duration
    /// The clock that ages callback answers; tests may pass another.
    public let now: @Sendable () -> Date
    /// Event log.
    public let logger: Logger

    /// Creates the sender.
    /// - Parameters:
    ///   - backoff: Defaults to 500 ms doubling up to 1 minute.
    ///   - callbackAnswerValidity: Defaults to 15 seconds.
    ///   - now: Defaults to the system clock.
    public init(database: any BotStore, telegram: TelegramClient, doorbell: Doorbell,
                backoff: Backoff = Backoff(base: .milliseconds(500), maximum: .seconds(60)),
                batchSize: Int = 200, maxConcurrentChats: Int = ReplySender.defaultMaxConcurrentChats,
                callbackAnswerValidity: Duration = .seconds(15), now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger) {
        self.database = database
        self.telegram = telegram
        self.doorbell = doorbell
        self.backoff = backoff
        self.batchSize = max(batchSize, 1)
        self.maxConcurrentChats = max(maxConcurrentChats, 1)
        self.callbackAnswerValidity = callbackAnswerValidity
        self.now = now
        self.logger = logger
    }

    /// Runs until graceful shutdown (then flushes once) or cancellation.
    public func run() async throws {
        var failures = 0
        await drain(failures: &failures, backingOff: true)
        for await _ in doorbell.rings.cancelOnGracefulShutdown() {
            await drain(failures: &failures, backingOff: true)
        }
        guard !Task.isCancelled else { return }
        await drain(failures: &failures, backingOff: false)
    }

    /// What happened to one chat's messages, or to the callback answers, in a pass.
    struct ChatOutcome: Sendable {
        var finished: [Int64] = []
        /// Set when the chat stopped on an error worth retrying.
        var retryAfter: Duration?
        var retryableFailure = false
    }

    func drain(failures: inout Int, backingOff: Bool) async {
        while !Task.isCancelled {
            let answers: [OutgoingCallbackAnswer]
            let batch: [OutgoingMessage]
            let queuedAnswers: Int
            do {
                let queued = try await database.claimQueuedReplies(limit: batchSize)
                queuedAnswers = queued.answers.count
                answers = try await liveCallbackAnswers(queued.answers)
                batch = queued.messages
            } catch {
                logger.error("cannot read queued replies", metadata: ["error": "\(error)"])
                return
            }
            if answers.isEmpty && batch.isEmpty { return }
            // Answers first: each keeps a button spinning and goes stale within seconds.
            let answered = await answerCallbacks(answers)
            var outcomes = await sendByChat(batch)
            let finished = outcomes.flatMap(\.finished)
            do {
                try await database.deleteSentReplies(messageIDs: finished, answerIDs: answered.finished)
            } catch {
                logger.error("cannot delete sent replies", metadata: ["error": "\(error)"])
                return
            }
            outcomes.append(answered)
            let retryAfter = outcomes.compactMap(\.retryAfter).max()
            let failed = retryAfter != nil || outcomes.contains(where: \.retryableFailure)
            guard failed else {
                failures = 0
                // Less than a full batch of each: everything queued when the pass read the store
                // is sent. What was recorded since rang the doorbell, which brings the next pass,
                // so reading again now would only find the store empty.
                if queuedAnswers < batchSize && batch.count < batchSize { return }
                continue
            }
            failures += 1
            guard backingOff, !Task.isShuttingDownGracefully else { return }
            let delay = max(retryAfter ?? .zero, backoff.delay(forAttempt: failures))
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            } catch {
                return
            }
        }
    }

    /// The `queued` callback answers Telegram may still accept; older ones are deleted unsent.
    private func liveCallbackAnswers(_ queued: [OutgoingCallbackAnswer]) async throws -> [OutgoingCallbackAnswer] {
        guard !queued.isEmpty else { return queued }
        let cutoff = now().addingTimeInterval(-callbackAnswerValidity.timeInterval)
        let stale = queued.filter { $0.createdAt < cutoff }
        guard !stale.isEmpty else { return queued }
        try await database.deleteCallbackAnswers(ids: stale.compactMap(\.id))
        logger.warning("callback answers too old for Telegram; dropped unsent", metadata: [
            "count": "\(stale.count)", "validity": "\(callbackAnswerValidity)",
        ])
        return queued.filter { $0.createdAt >= cutoff }
    }

    /// Sends `answers` concurrently (at most `maxConcurrentChats` at once); `finished` lists the
    /// ones to delete (accepted, or refused for good).
    private func answerCallbacks(_ answers: [OutgoingCallbackAnswer]) async -> ChatOutcome {
        guard answers.count > 1 else {
            // One answer (or none): no task group for it.
            if let answer = answers.first { return await send(answer) }
            return ChatOutcome()
        }
        return await withTaskGroup(of: ChatOutcome.self) { group in
            var merged = ChatOutcome()
            var next = answers.makeIterator()
            for _ in 0..<min(maxConcurrentChats, answers.count) {
                if let answer = next.next() { group.addTask { await send(answer) } }
            }
            for await outcome in group {
                merged.finished += outcome.finished
                merged.retryAfter = [merged.retryAfter, outcome.retryAfter].compactMap { $0 }.max()
                merged.retryableFailure = merged.retryableFailure || outcome.retryableFailure
                if let answer = next.next() { group.addTask { await send(answer) } }
            }
            return merged
        }
    }

    private func send(_ answer: OutgoingCallbackAnswer) async -> ChatOutcome {
        guard let id = answer.id else { return ChatOutcome() }
        let metadata: Logger.Metadata = ["callback_query_id": "\(answer.callbackQueryID)"]
        do {
            try await telegram.answerCallbackQuery(id: answer.callbackQueryID, text: answer.text)
            return ChatOutcome(finished: [id])
        } catch let error as TelegramError {
            if let retryAfter = error.retryAfter {
                logger.warning("Telegram asked to slow down", metadata: metadata.merging(["retry_after": "\(retryAfter)"]) { $1 })
                try? await database.recordCallbackAnswerFailure(id: id, error: error.description)
                return ChatOutcome(retryAfter: retryAfter)
            }
            if error.isRetryable || error == .unauthorized {
                logger.warning("callback answer not sent; will retry", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                try? await database.recordCallbackAnswerFailure(id: id, error: error.description)
                return ChatOutcome(retryableFailure: true)
            }
            logger.notice("callback answer refused by Telegram; dropped", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return ChatOutcome(finished: [id])
        } catch is CancellationError {
            return ChatOutcome()
        } catch {
            logger.warning("callback answer not sent; will retry", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            try? await database.recordCallbackAnswerFailure(id: id, error: String(describing: error))
            return ChatOutcome(retryableFailure: true)
        }
    }

    /// Sends `batch`, chats in parallel (at most `maxConcurrentChats`), each chat in order.
    private func sendByChat(_ batch: [OutgoingMessage]) async -> [ChatOutcome] {
        var chats: [Int64: [OutgoingMessage]] = [:]
        var order: [Int64] = []
        for message in batch {
            if chats[message.chatID] == nil { order.append(message.chatID) }
            chats[message.chatID, default: []].append(message)
        }
        // One chat (the usual case outside bursts): no task group for it.
        if order.count == 1, let messages = chats[order[0]] { return [await sendInOrder(messages)] }
        return await withTaskGroup(of: ChatOutcome.self) { group in
            var outcomes: [ChatOutcome] = []
            var next = order.makeIterator()
            for _ in 0..<min(maxConcurrentChats, order.count) {
                if let chat = next.next(), let messages = chats[chat] {
                    group.addTask { await sendInOrder(messages) }
                }
            }
            for await outcome in group {
                outcomes.append(outcome)
                if let chat = next.next(), let messages = chats[chat] {
                    group.addTask { await sendInOrder(messages) }
                }
            }
            return outcomes
        }
    }

    private func sendInOrder(_ messages: [OutgoingMessage]) async -> ChatOutcome {
        var outcome = ChatOutcome()
        for message in messages {
            guard let id = message.id else { continue }
            do {
                _ = try await telegram.sendMessage(chatID: message.chatID, text: message.text, replyMarkup: message.replyMarkup)
                outcome.finished.append(id)
            } catch let error as TelegramError {
                if let retryAfter = error.retryAfter {
                    logger.warning("Telegram asked to slow down", metadata: ["chat_id": "\(message.chatID)", "retry_after": "\(retryAfter)"])
                    outcome.retryAfter = retryAfter
                    try? await database.recordSendFailure(id: id, error: error.description)
                    return outcome
                }
                if error.isRetryable || error == .unauthorized {
                    logger.warning("reply not sent; will retry", metadata: ["chat_id": "\(message.chatID)", "error": "\(error)"])
                    outcome.retryableFailure = true
                    try? await database.recordSendFailure(id: id, error: error.description)
                    return outcome
                }
                logger.error("reply refused by Telegram; dropped", metadata: ["chat_id": "\(message.chatID)", "error": "\(error)"])
                outcome.finished.append(id)
            } catch is CancellationError {
                return outcome
            } catch {
                logger.warning("reply not sent; will retry", metadata: ["chat_id": "\(message.chatID)", "error": "\(error)"])
                outcome.retryableFailure = true
                try? await database.recordSendFailure(id: id, error: String(describing: error))
                return outcome
            }
        }
        return outcome
    }
}
