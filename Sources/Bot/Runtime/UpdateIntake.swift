import Foundation
import Logging

/// The one entry point for incoming updates, used by polling (`Poller`) and by the webhook
/// (issue 5): de-duplicates by `update_id`, runs the conversation step and records its effects
/// (pending action, outbox row, last action, replies, callback answer) in one transaction, and
/// returns once that transaction is durable. Then it rings the outbox worker and the reply sender.
public struct UpdateIntake: Sendable {
    /// The store.
    public let database: BotDatabase
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

    /// Creates the intake.
    /// - Parameters:
    ///   - now: The clock. Defaults to the system clock.
    ///   - metrics: Where updates are counted. Defaults to a registry of its own.
    public init(database: BotDatabase, conversation: Conversation, outboxDoorbell: Doorbell, replyDoorbell: Doorbell,
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() }, metrics: BotMetrics = BotMetrics()) {
        self.database = database
        self.conversation = conversation
        self.outboxDoorbell = outboxDoorbell
        self.replyDoorbell = replyDoorbell
        self.logger = logger
        self.now = now
        self.metrics = metrics
    }

    /// Handles one update; see `handle(_:acceptingNewPendingActions:)` for a batch.
    @discardableResult
    public func handle(_ update: Update, acceptingNewPendingActions: Bool = true) async throws -> BotDatabase.UpdateOutcome {
        try await handle([update], acceptingNewPendingActions: acceptingNewPendingActions)[0]
    }

    /// Handles a batch of updates in one transaction and returns once it is durable, with one
    /// outcome per update in order.
    /// - Parameter acceptingNewPendingActions: The shedding seam: `false` refuses new check-ins
    ///   and check-outs with "busy, try again in a minute" (the resource monitor of issue 5 sets
    ///   it while memory is critical). Defaults to `true`.
    @discardableResult
    public func handle(_ updates: [Update], acceptingNewPendingActions: Bool = true) async throws -> [BotDatabase.UpdateOutcome] {
        guard !updates.isEmpty else { return [] }
        let inputs = updates.map(ConversationInput.init(update:))
        let now = now()
        let conversation = conversation
        let outcomes = try await database.recordUpdates(inputs, now: now) { state, input in
            conversation.step(state: state, input: input, now: now, acceptingNewPendingActions: acceptingNewPendingActions)
        }
        var queuedRows = false
        var queuedReplies = false
        for (input, outcome) in zip(inputs, outcomes) {
            var metadata: Logger.Metadata = ["update_id": "\(input.updateID)"]
            if let userID = input.user?.id { metadata["user_id"] = "\(userID)" }
            switch outcome {
            case .duplicate:
                logger.info("update already handled, ignored", metadata: metadata)
                metrics.updateHandled(kind: input.event.logName, outcome: "duplicate")
            case .recorded(let step):
                metadata["input"] = "\(input.event.logName)"
                if step.effects.contains(where: { if case .enqueueRow = $0 { true } else { false } }) {
                    queuedRows = true
                    metadata["outcome"] = "row queued"
                } else if step.effects.contains(where: { if case .openPendingAction = $0 { true } else { false } }) {
                    metadata["outcome"] = "pending action opened"
                } else {
                    metadata["outcome"] = step.replies.isEmpty && step.callbackAnswer == nil ? "ignored" : "answered"
                }
                if !step.replies.isEmpty || step.callbackAnswer != nil { queuedReplies = true }
                logger.info("update handled", metadata: metadata)
                metrics.updateHandled(kind: input.event.logName, outcome: "\(metadata["outcome"] ?? "handled")")
            }
        }
        if queuedRows { outboxDoorbell.ring() }
        if queuedReplies { replyDoorbell.ring() }
        return outcomes
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
