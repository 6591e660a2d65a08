/// A change to the store that a conversation step asks for; `UpdateIntake` applies all of a step's
/// effects in the transaction that records the update as processed.
public enum ConversationEffect: Sendable, Equatable {
    /// Stores `PendingAction`, replacing the user's previous one.
    case openPendingAction(PendingAction)
    /// Deletes the user's pending action, and its tombstone if the cleanup job left one.
    case closePendingAction(userID: Int64)
    /// Queues the row in the outbox.
    case enqueueRow(AttendanceRow)
    /// Records the user's last action for `/status`.
    case recordLastAction(LastAction)
}

/// The user's state as the store holds it when an input arrives.
public struct ConversationState: Sendable, Equatable {
    /// The user's pending action, live or expired (not yet cleaned up).
    public var pending: PendingAction?
    /// The user's last recorded action.
    public var lastAction: LastAction?
    /// The pending action the cleanup job removed after it expired (a tombstone, kept a day), when
    /// there is no pending action; loaded for locations only, the one input it changes.
    public var expired: PendingAction?

    /// Creates a state.
    public init(pending: PendingAction? = nil, lastAction: LastAction? = nil, expired: PendingAction? = nil) {
        self.pending = pending
        self.lastAction = lastAction
        self.expired = expired
    }
}

/// What a conversation step decided: store changes and messages to send.
public struct ConversationStep: Sendable, Equatable {
    /// Store changes, applied in order.
    public var effects: [ConversationEffect]
    /// Messages to send, in order.
    public var replies: [OutgoingReply]
    /// The answer to the input's callback query, if it came from an inline button.
    public var callbackAnswer: CallbackAnswer?
    /// What the step did, as the conversation decided it: the intake's log line and metrics say it.
    public var outcome: ConversationOutcome

    /// Creates a step.
    /// - Parameters:
    ///   - callbackAnswer: Defaults to `nil` (the input was no callback query).
    ///   - outcome: Defaults to `.answered`.
    public init(effects: [ConversationEffect] = [], replies: [OutgoingReply] = [], callbackAnswer: CallbackAnswer? = nil,
                outcome: ConversationOutcome = .answered) {
        self.effects = effects
        self.replies = replies
        self.callbackAnswer = callbackAnswer
        self.outcome = outcome
    }

    /// Nothing to do: silence.
    public static let silence = ConversationStep(outcome: .ignored)
}

/// What a conversation step did, in the words of the log (`rawValue`) and of `bot_updates_total`
/// (`metricLabel`).
public enum ConversationOutcome: String, Sendable, Equatable, CaseIterable {
    /// A check-in or check-out was started: the bot now waits for the location.
    case pendingActionOpened = "pending action opened"
    /// A location completed a flow: its row is in the outbox.
    case rowQueued = "row queued"
    /// A reply (or a callback answer) and no attendance change: help, status, a cancel, an
    /// expired request, a stray or invalid location.
    case answered
    /// A new check-in or check-out refused while the bot sheds load.
    case shed
    /// Silence: edited messages, other update kinds, messages without a user.
    case ignored

    /// The `outcome` label of `bot_updates_total`: `handled`, `shed` or `ignored`.
    public var metricLabel: String {
        switch self {
        case .pendingActionOpened, .rowQueued, .answered: "handled"
        case .shed: "shed"
        case .ignored: "ignored"
        }
    }
}
