import Foundation

/// A fault to inject into the fake's answers, as DESIGN.md ("Fault rules") describes it:
///
/// ```json
/// {"match": {"operation": "append"}, "respond": {"status": 503, "retry_after": 3},
///  "delay": "2s", "action": "timeout", "times": 3, "after": 1, "probability": 0.5}
/// ```
///
/// A rule matches requests of its operation (every operation when `operation` is `nil`); it
/// skips the first `after` matches, then fires at most `times` times (unlimited when `nil`), each
/// time with chance `probability` (drawn from the fake's seeded generator). When it fires, the
/// request is first held for `delay` (before anything is written), then answered with `respond`,
/// or handled by `action`; a rule with only a delay then proceeds normally.
public struct FaultRule: Sendable, Hashable {
    /// The request kinds a rule can match.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        /// `POST /token`.
        case token
        /// `GET /v4/spreadsheets/{id}` and `GET …/values/{range}`.
        case get
        /// `POST …/values/{range}:append`.
        case append
        /// `PUT …/values/{range}`.
        case update
        /// `GET …/values:batchGet`.
        case batchGet
        /// `POST …:batchUpdate` (`spreadsheets.batchUpdate`: sheets, rows and columns).
        case batchUpdate
        /// `POST …/values/{range}:clear`.
        case clear
        /// `POST …/values:batchClear`.
        case batchClear
        /// `POST …/values:batchUpdate` (`spreadsheets.values.batchUpdate`).
        case batchUpdateValues
    }

    /// What a fired rule does instead of answering normally.
    public enum Action: String, Sendable, Hashable {
        /// Never answer: the request is held until the fake shuts down (then the connection drops).
        case timeout
        /// Drop the TCP connection without an answer (RST).
        case reset
        /// Send the status line and headers of a 200, then drop the connection mid-body.
        case close
        /// Answer 200 with a body that is not JSON.
        case garbage
    }

    /// An answer to send instead of the real one.
    public struct Response: Sendable, Hashable {
        /// HTTP status. Defaults to 500.
        public var status: Int
        /// The body, sent verbatim; `nil` = Google's error envelope for `status` (or the OAuth
        /// error for `token`).
        public var body: String?
        /// Google's error message in the envelope when `body` is `nil`; `nil` = Google's usual
        /// message for the status (the real quota message for 429).
        public var message: String?
        /// Seconds for a `Retry-After` header; `nil` = none.
        public var retryAfter: Int?

        /// - Parameters: see the properties; every one but `status` defaults to `nil`.
        public init(status: Int = 500, body: String? = nil, message: String? = nil, retryAfter: Int? = nil) {
            self.status = status
            self.body = body
            self.message = message
            self.retryAfter = retryAfter
        }
    }

    /// Which operation the rule matches; `nil` = every operation.
    public var operation: Operation?
    /// The answer to send when the rule fires; `nil` = none (see `action`, or a pure delay).
    public var respond: Response?
    /// How long to hold the request before anything else happens; `nil` = no delay.
    public var delay: Duration?
    /// A connection-level fault; `nil` = none.
    public var action: Action?
    /// How many times the rule fires; `nil` = every time.
    public var times: Int?
    /// How many matching requests to let through before the rule starts firing. Defaults to 0.
    public var after: Int
    /// The chance that a matching request fires the rule, 0…1; `nil` = always.
    public var probability: Double?

    /// - Parameters: see the properties; everything defaults to "none", `after` to 0.
    public init(
        operation: Operation? = nil, respond: Response? = nil, delay: Duration? = nil, action: Action? = nil,
        times: Int? = nil, after: Int = 0, probability: Double? = nil
    ) {
        self.operation = operation
        self.respond = respond
        self.delay = delay
        self.action = action
        self.times = times
        self.after = after
        self.probability = probability
    }

    /// Parses the JSON form DESIGN.md and `POST /control/faults` use, e.g.
    /// `{"match": {"operation": "append"}, "delay": "3s", "times": 1}`.
    /// - Throws: `FakeSheetsError.invalidFaultRule` saying precisely what is wrong.
    public init(json data: Data) throws {
        guard let json = JSONValue.parse(data) else {
            throw FakeSheetsError.invalidFaultRule("the fault rule is not JSON")
        }
        do {
            self = try FaultRule.parse(json)
        } catch {
            throw FakeSheetsError.invalidFaultRule(error.description)
        }
    }

    /// Parses the JSON form (`POST /control/faults`), explaining precisely what is wrong.
    static func parse(_ json: JSONValue) throws(FaultRuleError) -> FaultRule {
        guard case .object(let object) = json else { throw FaultRuleError("a fault rule must be a JSON object") }
        let known: Set<String> = ["match", "respond", "delay", "action", "times", "after", "probability"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw FaultRuleError("unknown field \"\(unknown)\"; a rule has \(known.sorted().joined(separator: ", "))")
        }
        var rule = FaultRule()
        if let match = object["match"] {
            guard case .object(let m) = match else { throw FaultRuleError("\"match\" must be an object like {\"operation\": \"append\"}") }
            if let unknown = m.keys.first(where: { $0 != "operation" }) {
                throw FaultRuleError("unknown match field \"\(unknown)\"; Sheets rules match on \"operation\"")
            }
            if let op = m["operation"] {
                guard let name = op.stringValue, let operation = Operation(rawValue: name) else {
                    throw FaultRuleError("\"match.operation\" must be one of \(Operation.allCases.map(\.rawValue).joined(separator: ", ")), got \(op.excerpt)")
                }
                rule.operation = operation
            }
        }
        if let respond = object["respond"] {
            guard case .object(let r) = respond else { throw FaultRuleError("\"respond\" must be an object like {\"status\": 503}") }
            var response = Response()
            if let errorObject = r["error"]?.objectValue {
                // A complete Google error envelope: {"error": {"code": 429, "message": …, "status": …}}
                guard let code = errorObject["code"]?.intValue else { throw FaultRuleError("\"respond.error.code\" must be an HTTP status") }
                response.status = code
                response.body = String(decoding: JSONValue.object(["error": .object(errorObject)]).serialized(), as: UTF8.self)
            }
            if let status = r["status"] {
                guard let code = status.intValue, (100...599).contains(code) else {
                    throw FaultRuleError("\"respond.status\" must be an HTTP status 100…599, got \(status.excerpt)")
                }
                response.status = code
            }
            if let body = r["body"] {
                switch body {
                case .string(let s): response.body = s
                case .object, .array: response.body = String(decoding: body.serialized(), as: UTF8.self)
                default: throw FaultRuleError("\"respond.body\" must be a string or a JSON object")
                }
            }
            if let message = r["message"] {
                guard let s = message.stringValue else { throw FaultRuleError("\"respond.message\" must be a string") }
                response.message = s
            }
            if let retry = r["retry_after"] {
                guard let seconds = retry.intValue, seconds >= 0 else {
                    throw FaultRuleError("\"respond.retry_after\" must be a whole number of seconds ≥ 0, got \(retry.excerpt)")
                }
                response.retryAfter = seconds
            }
            rule.respond = response
        }
        if let delay = object["delay"] {
            switch delay {
            case .string(let s):
                guard let d = DurationText.parse(s) else { throw FaultRuleError("\"delay\" must be a duration like \"250ms\", \"2s\", \"1m\", got \"\(s)\"") }
                rule.delay = d
            case .int(let seconds):
                guard seconds >= 0 else { throw FaultRuleError("\"delay\" must not be negative") }
                rule.delay = .seconds(seconds)
            case .number(let seconds):
                guard seconds >= 0, seconds.isFinite else { throw FaultRuleError("\"delay\" must not be negative") }
                rule.delay = .milliseconds(Int64(seconds * 1000))
            default:
                throw FaultRuleError("\"delay\" must be a duration like \"2s\"")
            }
        }
        if let action = object["action"] {
            guard let name = action.stringValue, let a = Action(rawValue: name) else {
                throw FaultRuleError("\"action\" must be one of timeout, reset, close, garbage, got \(action.excerpt)")
            }
            rule.action = a
        }
        if let times = object["times"] {
            guard let n = times.intValue, n >= 1 else { throw FaultRuleError("\"times\" must be a whole number ≥ 1, got \(times.excerpt)") }
            rule.times = n
        }
        if let after = object["after"] {
            guard let n = after.intValue, n >= 0 else { throw FaultRuleError("\"after\" must be a whole number ≥ 0, got \(after.excerpt)") }
            rule.after = n
        }
        if let probability = object["probability"] {
            let p: Double?
            switch probability {
            case .int(let i): p = Double(i)
            case .number(let d): p = d
            default: p = nil
            }
            guard let p, (0...1).contains(p) else { throw FaultRuleError("\"probability\" must be a number between 0 and 1, got \(probability.excerpt)") }
            rule.probability = p
        }
        if rule.respond == nil, rule.action == nil, rule.delay == nil {
            throw FaultRuleError("a rule needs at least one of \"respond\", \"action\" or \"delay\"")
        }
        if rule.respond != nil, rule.action != nil {
            throw FaultRuleError("\"respond\" and \"action\" exclude each other: an answer cannot also be a dropped connection")
        }
        return rule
    }

    /// The JSON form, as `GET /control/faults` lists it.
    var json: JSONValue {
        var object: [String: JSONValue] = ["after": .int(after)]
        if let operation { object["match"] = .object(["operation": .string(operation.rawValue)]) }
        if let respond {
            var r: [String: JSONValue] = ["status": .int(respond.status)]
            if let body = respond.body { r["body"] = .string(body) }
            if let message = respond.message { r["message"] = .string(message) }
            if let retry = respond.retryAfter { r["retry_after"] = .int(retry) }
            object["respond"] = .object(r)
        }
        if let delay { object["delay"] = .string(DurationText.format(delay)) }
        if let action { object["action"] = .string(action.rawValue) }
        if let times { object["times"] = .int(times) }
        if let probability { object["probability"] = .number(probability) }
        return .object(object)
    }
}

/// Why a fault rule was rejected (answered 400 by `POST /control/faults`).
struct FaultRuleError: Error, Sendable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
