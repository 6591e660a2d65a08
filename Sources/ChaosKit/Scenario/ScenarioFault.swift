import FakeSheets
import FakeTelegram
import Foundation
import MetroSupport

/// Which fake a fault or an expectation is about.
public enum FaultTarget: String, Sendable, CaseIterable, Codable {
    /// The fake Telegram Bot API.
    case telegram
    /// The fake Google Sheets API (and its OAuth token endpoint).
    case sheets
}

/// A fault step of a scenario (DESIGN.md "Fault rules") for one fake, as the scenario file writes
/// it; ``telegramRule`` and ``sheetsRule()`` give the fakes' typed rules it installs.
public struct ScenarioFault: Sendable, Equatable {
    /// Which fake gets the rule.
    public var target: FaultTarget
    /// Telegram: a Bot API method or `delivery`; Sheets: one of `sheetsOperations`.
    public var match: String
    /// The status to answer instead of the real one. Defaults to none (the real answer).
    public var status: Int?
    /// The body to answer with `status`. Defaults to the fake's own error envelope.
    public var body: String?
    /// Telegram's `parameters.retry_after` (Sheets' `Retry-After`), in seconds. Defaults to none.
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
    /// Sheets operations a rule may match: the fake Sheets' own list.
    public static let sheetsOperations = SheetsFaultMatch.Operation.allCases.map(\.rawValue)

    /// The canned answer, when the step gives a status, a body or a retry-after.
    var respond: FaultResponse? {
        guard status != nil || body != nil || retryAfter != nil else { return nil }
        return FaultResponse(status: status ?? 500, body: body, retryAfter: retryAfter)
    }

    /// The rule for the fake Telegram.
    public var telegramRule: TelegramFaultRule {
        TelegramFaultRule(match: TelegramFaultMatch(method: match), respond: respond, delay: delay, action: action,
                          times: times, after: after ?? 0, probability: probability)
    }

    /// The rule for the fake Sheets.
    /// - Throws: ``ScenarioFaultError`` when `match` is not a Sheets operation.
    public func sheetsRule() throws(ScenarioFaultError) -> SheetsFaultRule {
        guard let operation = SheetsFaultMatch.Operation(rawValue: match) else {
            throw ScenarioFaultError(description: "\"\(match)\" is not a Sheets operation; use one of \(Self.sheetsOperations.joined(separator: ", "))")
        }
        return SheetsFaultRule(operation: operation, respond: respond, delay: delay, action: action,
                               times: times, after: after ?? 0, probability: probability)
    }

    /// The rule as the journal and the reports show it: the fake's JSON form, sorted keys, with
    /// only what the step gave.
    public var journalText: String {
        var rule: [String: JSONValue] = [:]
        rule["match"] = .object([target == .telegram ? "method" : "operation": .string(match)])
        if respond != nil {
            var answer: [String: JSONValue] = [:]
            if let status { answer["status"] = .int(Int64(status)) }
            if let body { answer["body"] = .string(body) }
            if let retryAfter { answer["retry_after"] = .int(Int64(retryAfter)) }
            rule["respond"] = .object(answer)
        }
        if let delay { rule["delay"] = .string(DurationText.format(delay)) }
        if let action { rule["action"] = .string(action.rawValue) }
        if let times { rule["times"] = .int(Int64(times)) }
        if let after { rule["after"] = .int(Int64(after)) }
        if let probability { rule["probability"] = .double(probability) }
        return String(decoding: JSONValue.object(rule).serialized(), as: UTF8.self)
    }
}

/// A scenario fault that no fake can take.
public struct ScenarioFaultError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var description: String
}
