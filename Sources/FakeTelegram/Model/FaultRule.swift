import Foundation

/// A rule that makes the fake misbehave on command: answer with an error, answer late, never
/// answer, drop the connection or answer garbage — for Bot API calls or for webhook delivery.
///
/// JSON form (as `POST /control/faults` takes it):
/// ```json
/// {"match": {"method": "setWebhook"}, "respond": {"status": 429, "retry_after": 3},
///  "delay": "2s", "action": "reset", "times": 3, "after": 1, "probability": 0.5}
/// ```
public struct FaultRule: Sendable, Hashable, Codable {
    /// Which requests the rule applies to.
    public struct Match: Sendable, Hashable, Codable {
        /// A Bot API method name (case-insensitive), `"delivery"` for webhook deliveries, or
        /// `nil`/`"*"` for every Bot API method (not deliveries). Defaults to `nil`.
        public var method: String?

        /// Creates a match. - Parameter method: defaults to `nil` (every Bot API method).
        public init(method: String? = nil) { self.method = method }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case method
        }

        public init(from decoder: any Decoder) throws {
            // An unknown key (Sheets' `operation`, say) must not leave a rule that matches every method.
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.self, of: "match")
            method = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .method)
        }
    }

    /// A canned answer.
    public struct Response: Sendable, Hashable, Codable {
        /// The HTTP status, 100–599.
        public var status: Int
        /// A raw body to send instead of the Bot API error envelope. Defaults to `nil`.
        public var body: String?
        /// The envelope's description. Defaults to `nil`: Telegram's wording for the status
        /// (`"Too Many Requests: retry after N"` for 429).
        public var description: String?
        /// `parameters.retry_after` in the envelope (and, for deliveries, a `Retry-After` as if
        /// the bot's endpoint had sent it). Defaults to `nil`.
        public var retryAfter: Int?

        /// Creates a canned answer; every parameter but `status` defaults to `nil`.
        public init(status: Int, body: String? = nil, description: String? = nil, retryAfter: Int? = nil) {
            self.status = status
            self.body = body
            self.description = description
            self.retryAfter = retryAfter
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case status, body, description
            case retryAfter = "retry_after"
        }

        public init(from decoder: any Decoder) throws {
            try rejectUnknownKeys(in: decoder, allowed: CodingKeys.self, of: "respond")
            let container = try decoder.container(keyedBy: CodingKeys.self)
            status = try container.decode(Int.self, forKey: .status)
            body = try container.decodeIfPresent(String.self, forKey: .body)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            retryAfter = try container.decodeIfPresent(Int.self, forKey: .retryAfter)
        }
    }

    /// Misbehaviour beyond a status.
    public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
        /// Never answer (until the fake stops); a delivery fails as timed out.
        case timeout
        /// Reset the connection (TCP RST) without an answer.
        case reset
        /// Send the response head, then drop the connection.
        case close
        /// Answer 200 with a malformed JSON body; a delivery sends a malformed body to the bot.
        case garbage
    }

    /// Which requests. Defaults to every Bot API method.
    public var match: Match
    /// A canned answer. Defaults to `nil` (the real answer, after `delay`).
    public var respond: Response?
    /// Wait this long before answering (or delivering). Defaults to `nil`.
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
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.self, of: "the fault rule")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        match = try container.decodeIfPresent(Match.self, forKey: .match) ?? .init()
        respond = try container.decodeIfPresent(Response.self, forKey: .respond)
        if let text = try? container.decodeIfPresent(String.self, forKey: .delay) {
            guard let parsed = DurationText.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .delay, in: container,
                    debugDescription: "delay \"\(text)\" is not a duration; write it like 250ms, 2s, 1m")
            }
            delay = parsed
        } else if let seconds = try container.decodeIfPresent(Double.self, forKey: .delay) {
            delay = .milliseconds(Int64((seconds * 1000).rounded()))
        } else {
            delay = nil
        }
        if let raw = try container.decodeIfPresent(String.self, forKey: .action) {
            guard let parsed = Action(rawValue: raw) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .action, in: container,
                    debugDescription: "action \"\(raw)\" is unknown; use one of timeout, reset, close, garbage")
            }
            action = parsed
        } else {
            action = nil
        }
        times = try container.decodeIfPresent(Int.self, forKey: .times)
        after = try container.decodeIfPresent(Int.self, forKey: .after) ?? 0
        probability = try container.decodeIfPresent(Double.self, forKey: .probability)
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
        if let status = respond?.status, !(100...599).contains(status) {
            return "respond.status \(status) is not an HTTP status; use 100-599"
        }
        if let retryAfter = respond?.retryAfter, retryAfter < 0 {
            return "respond.retry_after must be 0 or more seconds"
        }
        if let delay, delay < .zero { return "delay must not be negative" }
        if let times, times < 1 { return "times must be 1 or more (leave it out for no limit)" }
        if after < 0 { return "after must be 0 or more" }
        if let probability, !(0...1).contains(probability) {
            return "probability \(probability) must be between 0 and 1"
        }
        return nil
    }

    /// Whether this rule applies to `method` (lowercased), `"delivery"` for webhook deliveries.
    func matches(method lowercasedMethod: String) -> Bool {
        guard let wanted = match.method?.lowercased(), wanted != "*" else {
            return lowercasedMethod != "delivery"
        }
        return wanted == lowercasedMethod
    }
}

/// Throws `DecodingError.dataCorrupted` naming the first key of the object that `allowed` does not
/// list, and the keys it does: a rule with a misspelt or foreign key is refused, never guessed at.
private func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(
    in decoder: any Decoder, allowed: Keys.Type, of what: String
) throws {
    let known = Set(Keys.allCases.map(\.stringValue))
    let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted()
    if let unknown = keys.first(where: { !known.contains($0) }) {
        throw DecodingError.dataCorrupted(.init(
            codingPath: decoder.codingPath,
            debugDescription: "unknown key '\(unknown)' in \(what); expected \(known.sorted().joined(separator: ", "))"))
    }
}

/// Any key of a JSON object, to see the keys a `CodingKeys` enum would drop.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Durations written as `250ms`, `2s`, `30m`, `2h`.
enum DurationText {
    static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number.isFinite, number >= 0 else {
                return nil
            }
            return .milliseconds(Int64((number * scale * 1000).rounded()))
        }
        return nil
    }

    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}
