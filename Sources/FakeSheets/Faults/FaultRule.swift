import Foundation
import MetroSupport

/// A fault rule of the fake Sheets: the shared ``FaultRule`` core with an operation match, as
/// DESIGN.md ("Fault rules") writes it:
///
/// ```json
/// {"match": {"operation": "append"}, "respond": {"status": 503, "retry_after": 3},
///  "delay": "2s", "action": "timeout", "times": 3, "after": 1, "probability": 0.5}
/// ```
///
/// `respond.message` is Google's error message in the envelope (Google's usual message for the
/// status by default, the real quota message for 429); `respond.retry_after` becomes a
/// `Retry-After` header; `respond.error` may give a whole Google error object instead. A fired
/// rule holds the request for `delay` before anything is written. `timeout` holds the request until
/// the fake shuts down; `close` sends the status line and headers of a 200, then drops the
/// connection mid-body; `garbage` answers 200 with a body that is not JSON.
public typealias SheetsFaultRule = FaultRule<SheetsFaultMatch>

/// Which requests a ``SheetsFaultRule`` applies to.
public struct SheetsFaultMatch: FaultMatching {
    /// The request kinds a rule can match.
    public enum Operation: String, Sendable, Hashable, Codable, CaseIterable {
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

    /// Which operation the rule matches; `nil` = every operation. Defaults to `nil`.
    public var operation: Operation?

    /// Creates a match. - Parameter operation: defaults to `nil` (every operation).
    public init(operation: Operation? = nil) { self.operation = operation }

    /// Matches every operation.
    public init() { self.init(operation: nil) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case operation
    }

    public init(from decoder: any Decoder) throws {
        try FaultRuleKeys.rejectUnknown(in: decoder, allowed: CodingKeys.self, of: "match")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.operation) else {
            operation = nil
            return
        }
        let raw = try? container.decode(String.self, forKey: .operation)
        guard let raw, let parsed = Operation(rawValue: raw) else {
            let names = Operation.allCases.map(\.rawValue).joined(separator: ", ")
            throw FaultRuleKeys.problem(decoder, "\"match.operation\" must be one of \(names), got \(raw.map { "\"\($0)\"" } ?? "another type")")
        }
        operation = parsed
    }

    /// Whether the rule applies to a request of `operation`.
    public func matches(_ operation: Operation) -> Bool {
        self.operation.map { $0 == operation } ?? true
    }
}

extension FaultRule where Match == SheetsFaultMatch {
    /// Creates a Sheets fault rule matching `operation`; see ``FaultRule`` for the other parameters.
    /// - Parameter operation: defaults to `nil` (every operation).
    public init(
        operation: SheetsFaultMatch.Operation? = nil, respond: Response? = nil, delay: Duration? = nil, action: Action? = nil,
        times: Int? = nil, after: Int = 0, probability: Double? = nil
    ) {
        self.init(match: SheetsFaultMatch(operation: operation), respond: respond, delay: delay, action: action,
                  times: times, after: after, probability: probability)
    }

    /// The operation the rule matches; `nil` = every operation.
    public var operation: SheetsFaultMatch.Operation? {
        get { match.operation }
        set { match.operation = newValue }
    }
}
