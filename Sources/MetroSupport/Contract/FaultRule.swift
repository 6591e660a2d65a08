import Foundation

/// What a fault rule's `match` says about a fake's requests: the fake Telegram matches a Bot API
/// method (or webhook delivery), the fake Sheets an operation. Each fake defines one.
///
/// A match decodes with ``FaultRuleKeys/rejectUnknown(in:allowed:of:)``, so a key meant for the
/// other fake is refused instead of leaving a rule that matches everything.
public protocol FaultMatching: Sendable, Hashable, Codable {
    /// What the fake knows of a request when it asks whether a rule applies.
    associatedtype Request
    /// The match with no condition: every request this kind of rule may apply to.
    init()
    /// Whether the rule applies to `request`.
    func matches(_ request: Request) -> Bool
}

/// A canned answer a fault rule sends instead of the real one.
public struct FaultResponse: Sendable, Hashable, Codable {
    /// The HTTP status, 100–599. Defaults to 500.
    public var status: Int
    /// A raw body to send instead of the fake's error envelope. Defaults to `nil` (the envelope).
    public var body: String?
    /// The message of the fake's error envelope (Telegram's `description`, Google's `message`).
    /// Defaults to `nil`: the real service's wording for the status.
    public var message: String?
    /// Seconds to wait before retrying: Telegram's `parameters.retry_after`, a `Retry-After`
    /// header from Sheets. Defaults to `nil`.
    public var retryAfter: Int?

    /// Creates a canned answer; see the properties for the defaults.
    public init(status: Int = 500, body: String? = nil, message: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.body = body
        self.message = message
        self.retryAfter = retryAfter
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case status, body, message, error
        case retryAfter = "retry_after"
    }

    /// Reads `{"status": 503, "body": "…", "message": "…", "retry_after": 3}`; `body` may also be
    /// a JSON object (sent as JSON), and `error` a whole Google error envelope's `error` object.
    public init(from decoder: any Decoder) throws {
        try FaultRuleKeys.rejectUnknown(in: decoder, allowed: CodingKeys.self, of: "respond")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = 500
        if let error = try container.decodeIfPresent(JSONValue.self, forKey: .error) {
            guard let code = error["code"]?.intValue else {
                throw FaultRuleKeys.problem(decoder, "respond.error.code must be an HTTP status")
            }
            status = Int(code)
            body = String(decoding: JSONValue.object(["error": error]).serialized(), as: UTF8.self)
        }
        if container.contains(.status) {
            guard let code = try? container.decode(Int.self, forKey: .status) else {
                throw FaultRuleKeys.problem(decoder, "respond.status must be an HTTP status, a whole number 100-599")
            }
            status = code
        }
        if let raw = try container.decodeIfPresent(JSONValue.self, forKey: .body) {
            switch raw {
            case .string(let text): body = text
            case .object, .array: body = String(decoding: raw.serialized(), as: UTF8.self)
            default: throw FaultRuleKeys.problem(decoder, "respond.body must be a string or a JSON object")
            }
        }
        message = try container.decodeIfPresent(String.self, forKey: .message)
        retryAfter = try container.decodeIfPresent(Int.self, forKey: .retryAfter)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(body, forKey: .body)
        try container.encodeIfPresent(message, forKey: .message)
        try container.encodeIfPresent(retryAfter, forKey: .retryAfter)
    }
}

/// Misbehaviour beyond a status.
public enum FaultAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Never answer (until the fake stops); a webhook delivery fails as timed out.
    case timeout
    /// Reset the connection (TCP RST) without an answer.
    case reset
    /// Send the response head, then drop the connection.
    case close
    /// Answer 200 with a malformed body; a webhook delivery sends a malformed body to the bot.
    case garbage
}

/// A rule that makes a fake misbehave on command, as DESIGN.md ("Fault rules") writes it:
///
/// ```json
/// {"match": {…}, "respond": {"status": 503, "retry_after": 3}, "delay": "2s",
///  "action": "reset", "times": 3, "after": 1, "probability": 0.5}
/// ```
///
/// A rule applies to the requests its `match` accepts; it lets the first `after` of them through,
/// then fires at most `times` times (unlimited when `nil`), each time with chance `probability`
/// (drawn from the fake's seeded generator). When it fires, the request is first held for `delay`,
/// then answered with `respond` or handled by `action`; a rule with only a delay then proceeds
/// normally. Decoding refuses unknown keys at every level, naming the key and the allowed ones.
public struct FaultRule<Match: FaultMatching>: Sendable, Hashable, Codable {
    /// A canned answer.
    public typealias Response = FaultResponse
    /// Misbehaviour beyond a status.
    public typealias Action = FaultAction

    /// Which requests. Defaults to `Match()`, every request such a rule may apply to.
    public var match: Match
    /// A canned answer. Defaults to `nil` (the real answer, after `delay`).
    public var respond: Response?
    /// Wait this long before answering. Defaults to `nil`.
    public var delay: Duration?
    /// Misbehaviour instead of an answer. Defaults to `nil`.
    public var action: Action?
    /// Fire at most this many times. Defaults to `nil` (unlimited).
    public var times: Int?
    /// Let the first `after` matching requests through. Defaults to 0.
    public var after: Int
    /// Fire with this chance, 0–1, drawn from the fake's seeded generator. Defaults to `nil` (always).
    public var probability: Double?

    /// Creates a fault rule; see the properties for the defaults.
    public init(
        match: Match = .init(), respond: Response? = nil, delay: Duration? = nil, action: Action? = nil,
        times: Int? = nil, after: Int = 0, probability: Double? = nil
    ) {
        self.match = match
        self.respond = respond
        self.delay = delay
        self.action = action
        self.times = times
        self.after = after
        self.probability = probability
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case match, respond, delay, action, times, after, probability
    }

    public init(from decoder: any Decoder) throws {
        try FaultRuleKeys.rejectUnknown(in: decoder, allowed: CodingKeys.self, of: "the fault rule")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        match = try container.decodeIfPresent(Match.self, forKey: .match) ?? .init()
        respond = try container.decodeIfPresent(Response.self, forKey: .respond)
        if container.contains(.delay) {
            guard let text = try? container.decode(String.self, forKey: .delay) else {
                throw FaultRuleKeys.problem(decoder, "\"delay\" must be a duration like \"250ms\", \"2s\", \"1m\" (a string)")
            }
            do {
                delay = try DurationText.read(text)
            } catch {
                throw FaultRuleKeys.problem(decoder, "\"delay\" must be a duration like \"250ms\", \"2s\", \"1m\", got \"\(text)\": it \(error)")
            }
        } else {
            delay = nil
        }
        if let raw = try container.decodeIfPresent(String.self, forKey: .action) {
            guard let parsed = Action(rawValue: raw) else {
                throw FaultRuleKeys.problem(
                    decoder, "action \"\(raw)\" is unknown; use one of \(Action.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            action = parsed
        } else {
            action = nil
        }
        times = try container.decodeIfPresent(Int.self, forKey: .times)
        after = try container.decodeIfPresent(Int.self, forKey: .after) ?? 0
        probability = try container.decodeIfPresent(Double.self, forKey: .probability)
        if let problem { throw FaultRuleKeys.problem(decoder, problem) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(match, forKey: .match)
        try container.encodeIfPresent(respond, forKey: .respond)
        try container.encodeIfPresent(delay.map(DurationText.format), forKey: .delay)
        try container.encodeIfPresent(action, forKey: .action)
        try container.encodeIfPresent(times, forKey: .times)
        try container.encode(after, forKey: .after)
        try container.encodeIfPresent(probability, forKey: .probability)
    }

    /// Why this rule cannot be used, or `nil` when it is valid.
    public var problem: String? {
        if respond == nil && delay == nil && action == nil {
            return "a fault rule needs at least one of respond, delay or action"
        }
        if respond != nil && action != nil {
            return "respond and action exclude each other: an answer cannot also be a dropped connection"
        }
        if let status = respond?.status, !(100...599).contains(status) {
            return "respond.status \(status) is not an HTTP status; use 100-599"
        }
        if let retryAfter = respond?.retryAfter, retryAfter < 0 { return "respond.retry_after must be 0 or more seconds" }
        if let delay, delay < .zero { return "delay must not be negative" }
        if let times, times < 1 { return "times must be 1 or more (leave it out for no limit)" }
        if after < 0 { return "after must be 0 or more" }
        if let probability, !(0...1).contains(probability) {
            return "probability \(probability) must be between 0 and 1"
        }
        return nil
    }

    /// Reads the JSON form (`POST /control/faults`).
    /// - Throws: ``FaultRuleError`` saying precisely what is wrong: an unknown key (named, with the
    ///   allowed ones), a value of the wrong type, or a rule that cannot be used.
    public init(json data: Data) throws(FaultRuleError) {
        if JSONNestingGuard.isTooDeep(data) {
            throw FaultRuleError("the JSON is nested deeper than \(JSONNestingGuard.maximumDepth) levels")
        }
        do {
            self = try JSONDecoder().decode(FaultRule.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw FaultRuleError(context.debugDescription)
        } catch let DecodingError.typeMismatch(_, context) {
            throw FaultRuleError("\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type")
        } catch let DecodingError.keyNotFound(key, context) {
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            throw FaultRuleError("\(path) is missing")
        } catch {
            throw FaultRuleError("a fault rule must be a JSON object like {\"match\": {…}, \"respond\": {\"status\": 502}}")
        }
    }

    /// The JSON form, as `GET /control/faults` lists it and `POST /control/faults` takes it.
    public var json: JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).flatMap { JSONValue.parse($0) } ?? .object([:])
    }
}

/// Why a fault rule was refused (answered 400 by `POST /control/faults`).
public struct FaultRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong and, where it helps, what is allowed.
    public var description: String
    /// Creates the error.
    public init(_ description: String) { self.description = description }
}

/// The strict decoding every part of a fault rule shares.
public enum FaultRuleKeys {
    /// Throws `DecodingError.dataCorrupted` naming the first key of the object that `allowed` does
    /// not list, and the keys it does: a rule with a misspelt or foreign key is refused, never
    /// guessed at.
    public static func rejectUnknown<Keys: CodingKey & CaseIterable>(
        in decoder: any Decoder, allowed: Keys.Type, of what: String
    ) throws {
        let known = Set(Keys.allCases.map(\.stringValue))
        let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted()
        if let unknown = keys.first(where: { !known.contains($0) }) {
            throw problem(decoder, "unknown key '\(unknown)' in \(what); expected \(known.sorted().joined(separator: ", "))")
        }
    }

    /// A `DecodingError.dataCorrupted` at the decoder's path, saying `message`.
    public static func problem(_ decoder: any Decoder, _ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: message))
    }

    /// Any key of a JSON object, to see the keys a `CodingKeys` enum would drop.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
