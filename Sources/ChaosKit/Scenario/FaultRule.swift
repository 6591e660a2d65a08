/// Which fake a fault or an expectation is about.
public enum FaultTarget: String, Sendable, CaseIterable, Codable {
    /// The fake Telegram Bot API.
    case telegram
    /// The fake Google Sheets API (and its OAuth token endpoint).
    case sheets
}

/// A fault rule as DESIGN.md's "Fault rules" describes it, for one fake.
public struct FaultRule: Sendable, Equatable {
    /// Which fake gets the rule.
    public var target: FaultTarget
    /// Telegram: a Bot API method or `delivery`; Sheets: one of `sheetsOperations`.
    public var match: String
    /// The status to answer instead of the real one. Defaults to none (the real answer).
    public var status: Int?
    /// The body to answer with `status`. Defaults to the fake's own error envelope.
    public var body: String?
    /// Telegram's `parameters.retry_after`, in seconds. Defaults to none.
    public var retryAfter: Int?
    /// Wait this long before answering. Defaults to none.
    public var delay: Duration?
    /// A transport failure instead of an answer. Defaults to none.
    public var action: FaultAction?
    /// How many matching requests are affected. Defaults to all of them.
    public var times: Int?
    /// Skip this many matching requests first. Defaults to 0.
    public var after: Int?
    /// The chance a matching request is affected, 0…1, drawn from the scenario's seed. Defaults to 1.
    public var probability: Double?

    /// Creates a rule.
    public init(target: FaultTarget, match: String, status: Int? = nil, body: String? = nil, retryAfter: Int? = nil,
                delay: Duration? = nil, action: FaultAction? = nil, times: Int? = nil, after: Int? = nil, probability: Double? = nil) {
        self.target = target
        self.match = match
        self.status = status
        self.body = body
        self.retryAfter = retryAfter
        self.delay = delay
        self.action = action
        self.times = times
        self.after = after
        self.probability = probability
    }

    /// Telegram methods a rule may match (`delivery` is webhook delivery to the bot).
    public static let telegramMethods = [
        "getMe", "setWebhook", "deleteWebhook", "getWebhookInfo", "getUpdates", "sendMessage",
        "editMessageText", "answerCallbackQuery", "setMyCommands", "deleteMessage", "delivery",
    ]
    /// Sheets operations a rule may match.
    public static let sheetsOperations = ["token", "get", "append", "update", "clear", "batchGet", "batchClear", "batchUpdateValues", "batchUpdate"]

    /// The rule as the fakes' control API takes it (`POST /control/faults`).
    public func controlJSON() -> [String: Any] {
        var rule: [String: Any] = [:]
        rule["match"] = target == .telegram ? ["method": match] : ["operation": match]
        if status != nil || body != nil || retryAfter != nil {
            var respond: [String: Any] = [:]
            if let status { respond["status"] = status }
            if let body { respond["body"] = body }
            if let retryAfter { respond["retry_after"] = retryAfter }
            rule["respond"] = respond
        }
        if let delay { rule["delay"] = DurationText.format(delay) }
        if let action { rule["action"] = action.rawValue }
        if let times { rule["times"] = times }
        if let after { rule["after"] = after }
        if let probability { rule["probability"] = probability }
        return rule
    }
}

/// A transport-level failure a fault rule can cause.
public enum FaultAction: String, Sendable, CaseIterable, Codable {
    /// Reset the connection.
    case reset
    /// Never answer.
    case timeout
    /// Drop the connection after the headers.
    case close
    /// Answer a malformed body.
    case garbage
}
