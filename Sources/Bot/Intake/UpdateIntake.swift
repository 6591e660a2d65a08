import Foundation
import Logging
import MetroSupport

/// The one entry point for incoming updates, used by polling (`Poller`) and by the webhook.
///
/// `receive` is the whole path, and makes one bad update that update's problem only: an update
/// that breaks a rule of `UpdateValidator` (or did not decode) becomes a dead letter at once; an
/// update whose storing fails is retried on its own, apart from the others, and becomes a dead
/// letter after `RetryingUpdates.maximumAttempts` tries. `handle` stores valid updates: it
/// de-duplicates by `update_id`, runs the conversation step and records its effects (pending
/// action, outbox row, last action, replies, callback answer) in one transaction, and returns
/// once that transaction is durable. Then it rings the outbox worker and the reply sender.
public struct UpdateIntake: Sendable {
    /// The store.
    public let database: any BotStore
    /// The conversation rules.
    public let conversation: Conversation
    /// Rung after a batch that queued rows.
    public let outboxDoorbell: Doorbell
    /// Rung after a batch that recorded replies or callback answers.
    public let replyDoorbell: Doorbell
    /// Event log.
    public let logger: Logger
    /// The clock; tests pass a fixed one.
    public let now: @Sendable () -> Date
    /// Counts every update by kind and outcome for `/metrics`.
    public let metrics: BotMetrics
    /// The updates whose storing is failing, and how many tries each gets.
    public let retrying: RetryingUpdates
    /// Where each update's arrival is journaled; `nil` keeps none.
    public let journal: EventJournal?

    /// Creates the intake.
    /// - Parameters:
    ///   - now: The clock. Defaults to the system clock.
    ///   - metrics: Where updates are counted. Defaults to a registry of its own.
    ///   - retrying: Defaults to five tries per update (`POISON_UPDATE_ATTEMPTS`).
    ///   - journal: Defaults to none.
    public init(database: any BotStore, conversation: Conversation, outboxDoorbell: Doorbell, replyDoorbell: Doorbell,
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() }, metrics: BotMetrics = BotMetrics(),
                retrying: RetryingUpdates = RetryingUpdates(), journal: EventJournal? = nil) {
        self.database = database
        self.conversation = conversation
        self.outboxDoorbell = outboxDoorbell
        self.replyDoorbell = replyDoorbell
        self.logger = logger
        self.now = now
        self.metrics = metrics
        self.retrying = retrying
        self.journal = journal
    }

    // MARK: The whole path

    /// Receives a batch (from `getUpdates`): the valid updates are stored in one transaction, or,
    /// if that fails, one at a time; the others become dead letters. One disposition per update,
    /// in order.
    /// - Parameter acceptingNewPendingActions: see `handle(_:acceptingNewPendingActions:)`.
    public func receive(_ batch: [ReceivedUpdate], acceptingNewPendingActions: Bool = true) async -> [UpdateDisposition] {
        let now = now()
        var dispositions = [UpdateDisposition?](repeating: nil, count: batch.count)
        var valid: [Int] = []
        for (index, received) in batch.enumerated() {
            if let rejection = Self.rejection(of: received) {
                journal?.record(.arrival(of: received, from: .polling, at: now))
                dispositions[index] = await deadLetter(received, rejection)
            } else {
                valid.append(index)
            }
        }
        if !valid.isEmpty {
            let incoming = valid.map { index in
                IncomingUpdate(batch[index].update, arrival: journal.map { _ in .arrival(of: batch[index], from: .polling, at: now) })
            }
            do {
                try await handle(incoming, acceptingNewPendingActions: acceptingNewPendingActions)
                retrying.settle(valid.map { batch[$0].update.updateID })
                for index in valid { dispositions[index] = .processed }
            } catch let outage as StoreUnavailable {
                // Nothing to tell apart one by one: the store is not there for any of them.
                for (index, update) in zip(valid, incoming) {
                    dispositions[index] = storeUnavailable(batch[index], outage, arrival: update.arrival)
                }
            } catch {
                // One update the store refuses must not fail the others that shared its transaction.
                for index in valid {
                    dispositions[index] = await receive(batch[index], source: .polling) { incoming in
                        try await handle([incoming], acceptingNewPendingActions: acceptingNewPendingActions)
                    }
                }
            }
        }
        return dispositions.map { $0! }
    }

    /// Receives one update (a webhook delivery), storing it with `store` when it is valid.
    /// - Parameters:
    ///   - source: where it came from, for the journal; `nil` (a retried dead letter) journals
    ///     no arrival. Defaults to the webhook.
    ///   - store: stores the update, with its arrival record, durably in one transaction, or
    ///     throws (the webhook's group commit).
    public func receive(_ received: ReceivedUpdate, source: ReceivedUpdateRecord.Source? = .webhook,
                        store: (IncomingUpdate) async throws -> Void) async -> UpdateDisposition {
        let arrival = journal == nil ? nil : source.map { ReceivedUpdateRecord.arrival(of: received, from: $0, at: now()) }
        if let rejection = Self.rejection(of: received) {
            if let arrival { journal?.record(arrival) }
            return await deadLetter(received, rejection)
        }
        let updateID = received.update.updateID
        do {
            try await store(IncomingUpdate(received.update, arrival: arrival))
            retrying.settle(CollectionOfOne(updateID))
            return .processed
        } catch let outage as StoreUnavailable {
            return storeUnavailable(received, outage, arrival: arrival)
        } catch {
            // The arrival went down with the transaction: the journal keeps it on its own path.
            if let arrival { journal?.record(arrival) }
            let detail = "\(error)"
            let attempt = retrying.recordFailure(updateID: updateID, error: detail, now: now())
            guard attempt >= retrying.maximumAttempts else {
                logger.error("update not stored; it will be tried again", metadata: [
                    "update_id": "\(updateID)", "attempt": "\(attempt)", "error": "\(detail)",
                ])
                return .retrying(attempt: attempt, error: detail)
            }
            return await deadLetter(received, UpdateRejection(
                .keepsFailing, "not stored after \(attempt) tries; the last error: \(detail)"))
        }
    }

    /// The disposition of an update the store could not take because it is unreachable: no try
    /// counted against it, its arrival kept in the journal's buffer.
    private func storeUnavailable(_ received: ReceivedUpdate, _ outage: StoreUnavailable, arrival: ReceivedUpdateRecord?) -> UpdateDisposition {
        if let arrival { journal?.record(arrival) }
        logger.error("the store is unreachable; the update will be delivered again", metadata: [
            "update_id": "\(received.update.updateID)", "error": "\(outage)",
        ])
        return .storeUnavailable(outage.reason)
    }

    /// Journals the row a step queued, for the dashboard's counts by site.
    private func journalAttendance(_ step: ConversationStep, now: Date) {
        guard let journal else { return }
        for case .enqueueRow(let row) in step.effects {
            // timestamp | user_id | username | full_name | action | latitude | longitude | site | distance_m | update_id
            journal.record(JournalEvent(.attendance, at: now, updateID: row.updateID, fields: [
                "action": row.cells[4], "site": row.cells[7], "user_id": row.cells[1], "name": row.cells[3],
            ]))
        }
    }

    /// Why `received` can never be processed, if it cannot.
    static func rejection(of received: ReceivedUpdate) -> UpdateRejection? {
        if let undecodable = received.undecodable { return UpdateRejection(.undecodable, undecodable) }
        return UpdateValidator.rejection(of: received.update)
    }

    /// Records `received` as a dead letter, with a short apology to its chat when it has one;
    /// `.retrying` when even that could not be stored (the store itself is failing).
    private func deadLetter(_ received: ReceivedUpdate, _ rejection: UpdateRejection) async -> UpdateDisposition {
        let update = received.update
        var metadata: Logger.Metadata = ["update_id": "\(update.updateID)", "reason": "\(rejection)"]
        let chatID = update.message?.chat.id ?? update.editedMessage?.chat.id ?? update.callbackQuery?.message?.chat.id
        if let userID = update.message?.from?.id ?? update.editedMessage?.from?.id ?? update.callbackQuery?.from.id {
            metadata["user_id"] = "\(userID)"
        }
        do {
            let isNew = try await database.recordDeadLetter(
                updateID: update.updateID, rawUpdate: received.keptJSON, rejection: rejection,
                reply: chatID.map { OutgoingReply(chatID: $0, text: Replies.unprocessable, replyMarkup: Keyboards.main) },
                now: now())
            retrying.settle(CollectionOfOne(update.updateID))
            if isNew {
                metrics.deadLettered(reason: rejection.code.rawValue, updateID: update.updateID, detail: rejection.detail)
                metrics.updateHandled(kind: ConversationInput(update: update).metricKind, outcome: "failed")
                logger.warning("update dead-lettered", metadata: metadata)
                if chatID != nil { replyDoorbell.ring() }
            } else {
                logger.info("dead-lettered update delivered again", metadata: metadata)
            }
            return .deadLettered(rejection)
        } catch {
            metadata["error"] = "\(error)"
            logger.error("could not record a dead letter; the update will be tried again", metadata: metadata)
            let attempt = retrying.recordFailure(updateID: update.updateID, error: "\(error)", now: now())
            return .retrying(attempt: attempt, error: "\(error)")
        }
    }

    // MARK: Storing valid updates

    /// Handles one update; see `handle(_:acceptingNewPendingActions:)` for a batch.
    @discardableResult
    public func handle(_ update: Update, acceptingNewPendingActions: Bool = true) async throws -> UpdateOutcome {
        try await handle([update], acceptingNewPendingActions: acceptingNewPendingActions)[0]
    }

    /// Handles a batch of updates in one transaction and returns once it is durable, with one
    /// outcome per update in order.
    /// - Parameter acceptingNewPendingActions: The shedding seam: `false` refuses new check-ins
    ///   and check-outs with "busy, try again in a minute" (the resource monitor sets it while
    ///   memory is critical). Defaults to `true`.
    @discardableResult
    public func handle(_ updates: [Update], acceptingNewPendingActions: Bool = true) async throws -> [UpdateOutcome] {
        try await handle(updates.map { IncomingUpdate($0) }, acceptingNewPendingActions: acceptingNewPendingActions)
    }

    /// Handles a batch of updates, and the records of their arrivals, in one transaction; see
    /// `handle(_:acceptingNewPendingActions:)`.
    @discardableResult
    public func handle(_ incoming: [IncomingUpdate], acceptingNewPendingActions: Bool = true) async throws -> [UpdateOutcome] {
        guard !incoming.isEmpty else { return [] }
        let inputs = incoming.map { ConversationInput(update: $0.update) }
        let now = now()
        let conversation = conversation
        let outcomes = try await database.recordUpdates(inputs, arrivals: incoming.compactMap(\.arrival), now: now) { state, input in
            conversation.step(state: state, input: input, now: now, acceptingNewPendingActions: acceptingNewPendingActions)
        }
        var queuedRows = false
        var queuedReplies = false
        for (input, outcome) in zip(inputs, outcomes) {
            var metadata: Logger.Metadata = ["update_id": "\(input.updateID)", "input": "\(input.event.logName)"]
            if let userID = input.user?.id { metadata["user_id"] = "\(userID)" }
            switch outcome {
            case .duplicate:
                logger.info("update already handled, ignored", metadata: metadata)
                metrics.updateHandled(kind: input.metricKind, outcome: "duplicate")
            case .recorded(let step):
                metadata["outcome"] = "\(step.outcome.rawValue)"
                if step.outcome == .rowQueued {
                    queuedRows = true
                    journalAttendance(step, now: now)
                }
                if !step.replies.isEmpty || step.callbackAnswer != nil { queuedReplies = true }
                logger.info("update handled", metadata: metadata)
                metrics.updateHandled(kind: input.metricKind, outcome: step.outcome.metricLabel)
            }
        }
        if queuedRows { outboxDoorbell.ring() }
        if queuedReplies { replyDoorbell.ring() }
        return outcomes
    }
}

extension ConversationInput {
    /// The `kind` label of `bot_updates_total`: `command`, `location`, `message`,
    /// `callback_query`, `edited_message` or `other`.
    var metricKind: String {
        switch event {
        case .command: "command"
        case .location: "location"
        case .unknownText, .unsupportedMessage: "message"
        case .editedMessage: "edited_message"
        case .other: callbackQueryID == nil ? "other" : "callback_query"
        }
    }
}

extension ConversationInput.Event {
    /// A short name for log lines (never the user's text).
    var logName: String {
        switch self {
        case .command(let command): "/\(command.rawValue)"
        case .location: "location"
        case .unknownText: "text"
        case .unsupportedMessage: "unsupported message"
        case .editedMessage: "edited message"
        case .other: "other update"
        }
    }
}
