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

    /// Creates a step.
    /// - Parameter callbackAnswer: Defaults to `nil` (the input was no callback query).
    public init(effects: [ConversationEffect] = [], replies: [OutgoingReply] = [], callbackAnswer: CallbackAnswer? = nil) {
        self.effects = effects
        self.replies = replies
        self.callbackAnswer = callbackAnswer
    }

    /// Nothing to do: silence.
    public static let silence = ConversationStep()
}
