/// What `wait_until` polls for. Exactly one kind per step.
public enum WaitCondition: Sendable, Equatable {
    /// Every listed `/health` field matches.
    case health([FieldCheck])
    /// A line of the bot's log matches the regular expression.
    case log(regex: String)
    /// The fake has journaled at least `count` calls of `method` (Telegram method or Sheets operation).
    case calls(target: FaultTarget, method: String, atLeast: Int)
    /// The update is in this state in the fake Telegram (`queued`, `delivered`, `confirmed`).
    case update(id: ValueReference, state: String)
    /// The sheet has at least this many rows.
    case sheetRows(sheet: String, atLeast: Int)
    /// A message the bot sent to the chat contains this text.
    case sent(chat: Int64, contains: String)
    /// A request matching `method` is being held right now by a delay fault of `target`.
    case held(target: FaultTarget, method: String)
    /// The bot process has exited.
    case botExited
    /// The bot answers `/health` at all (any status).
    case botListening
    /// The bot has closed every connection of the scenario's `slowloris` steps.
    case slowlorisClosed

    /// Whether the condition reads a bot instance (its process, `/health` or log) rather than
    /// the fakes' state, which every instance shares.
    public var readsBot: Bool {
        switch self {
        case .health, .log, .botExited, .botListening: true
        default: false
        }
    }
}
