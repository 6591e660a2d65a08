import Foundation
import MetroSupport

/// A fault rule of the fake Telegram: the shared ``FaultRule`` core with a Bot API match.
///
/// JSON form (as `POST /control/faults` takes it):
/// ```json
/// {"match": {"method": "setWebhook"}, "respond": {"status": 429, "retry_after": 3},
///  "delay": "2s", "action": "reset", "times": 3, "after": 1, "probability": 0.5}
/// ```
/// `respond.message` is the error envelope's `description` (Telegram's wording for the status by
/// default, `"Too Many Requests: retry after N"` for 429); `respond.retry_after` is its
/// `parameters.retry_after` (and, for deliveries, a `Retry-After` as if the bot's endpoint had
/// sent it). A `timeout` delivery fails as timed out; a `garbage` one sends the bot a malformed body.
public typealias TelegramFaultRule = FaultRule<TelegramFaultMatch>

/// Which Bot API calls a ``TelegramFaultRule`` applies to.
public struct TelegramFaultMatch: FaultMatching {
    /// A Bot API method name (case-insensitive), `"delivery"` for webhook deliveries, or
    /// `nil`/`"*"` for every Bot API method (not deliveries). Defaults to `nil`.
    public var method: String?

    /// Creates a match. - Parameter method: defaults to `nil` (every Bot API method).
    public init(method: String? = nil) { self.method = method }

    /// Matches every Bot API method (not deliveries).
    public init() { self.init(method: nil) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case method
    }

    public init(from decoder: any Decoder) throws {
        // An unknown key (Sheets' `operation`, say) must not leave a rule that matches every method.
        try FaultRuleKeys.rejectUnknown(in: decoder, allowed: CodingKeys.self, of: "match")
        method = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .method)
    }

    /// Whether the rule applies to `lowercasedMethod`, `"delivery"` for webhook deliveries.
    public func matches(_ lowercasedMethod: String) -> Bool {
        guard let wanted = method?.lowercased(), wanted != "*" else {
            return lowercasedMethod != "delivery"
        }
        return wanted == lowercasedMethod
    }
}
