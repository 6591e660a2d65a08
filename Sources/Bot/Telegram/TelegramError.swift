// Errors of a Telegram Bot API call, decoded from the API's error envelope
// (`{"ok":false,"error_code":N,"description":"…","parameters":{"retry_after":N}}`) or from the
// transport. Descriptions never contain the bot token.

/// Why a Telegram Bot API call failed.
///
/// Decoded from the Bot API error envelope by `TelegramClient`; `isRetryable` tells a caller
/// whether the same call may succeed later (429, 5xx, timeouts and transport failures).
public enum TelegramError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 429 Too Many Requests: wait `retryAfter` (from `parameters.retry_after`, or the
    /// `Retry-After` header, else 1 second) before calling again.
    case tooManyRequests(retryAfter: Duration, description: String)
    /// 409 Conflict: typically `getUpdates` while a webhook is set, or two pollers at once.
    case conflict(String)
    /// 401 Unauthorized: the bot token is wrong or was revoked. The token is never included.
    case unauthorized
    /// 400 Bad Request, or another 4xx (403 blocked by the user, 404 unknown method, …); the
    /// description ends with the code when it is not 400, e.g. `"Forbidden: bot was blocked by the user (403)"`.
    case badRequest(String)
    /// A 5xx answer from Telegram (or from a proxy in front of it).
    case serverError(status: Int, description: String)
    /// No complete answer within the call's deadline.
    case timeout
    /// The connection failed: refused, reset, closed early, DNS, TLS.
    case transport(String)
    /// The answer was not a Bot API envelope, or its `result` did not have the expected shape.
    case malformedResponse(String)

    /// True for failures that may succeed when retried later: 429, 5xx, timeouts and transport
    /// failures. A 429 should be retried only after `retryAfter`.
    public var isRetryable: Bool {
        switch self {
        case .tooManyRequests, .serverError, .timeout, .transport:
            return true
        case .conflict, .unauthorized, .badRequest, .malformedResponse:
            return false
        }
    }

    /// How long Telegram asked to wait before the next call, for `tooManyRequests`; else nil.
    public var retryAfter: Duration? {
        if case .tooManyRequests(let retryAfter, _) = self { return retryAfter }
        return nil
    }

    /// The HTTP-like error code: 429, 409, 401, the 4xx code of `badRequest` (400 unless the
    /// description says otherwise), the 5xx status; nil for timeouts, transport failures and
    /// malformed answers.
    public var errorCode: Int? {
        switch self {
        case .tooManyRequests: return 429
        case .conflict: return 409
        case .unauthorized: return 401
        case .badRequest(let description): return Self.trailingCode(in: description) ?? 400
        case .serverError(let status, _): return status
        case .timeout, .transport, .malformedResponse: return nil
        }
    }

    /// The `code` label of `bot_telegram_errors_total`: the error code, or `timeout`,
    /// `transport` or `malformed` when Telegram gave none.
    var metricsCode: String {
        if let errorCode { return String(errorCode) }
        switch self {
        case .timeout: return "timeout"
        case .transport: return "transport"
        default: return "malformed"
        }
    }

    /// A one-line explanation for logs and operators; never contains a secret.
    public var description: String {
        switch self {
        case .tooManyRequests(let retryAfter, let description):
            return "Telegram rate limit (429): \(description); retry after \(retryAfter)"
        case .conflict(let description):
            return "Telegram conflict (409): \(description)"
        case .unauthorized:
            return "Telegram rejected the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN"
        case .badRequest(let description):
            return "Telegram rejected the request: \(description)"
        case .serverError(let status, let description):
            return "Telegram server error (\(status)): \(description)"
        case .timeout:
            return "Telegram did not answer within the deadline"
        case .transport(let description):
            return "could not reach Telegram: \(description)"
        case .malformedResponse(let description):
            return "unexpected answer from Telegram: \(description)"
        }
    }

    /// Builds the error for a failed Bot API answer.
    ///
    /// - Parameters:
    ///   - errorCode: `error_code` of the envelope, or the HTTP status when the body was no envelope.
    ///   - description: `description` of the envelope (or a summary of the body).
    ///   - retryAfterSeconds: `parameters.retry_after`, or the `Retry-After` header.
    static func from(errorCode: Int, description: String, retryAfterSeconds: Int?) -> TelegramError {
        switch errorCode {
        case 429:
            let seconds = max(retryAfterSeconds ?? 1, 0)
            return .tooManyRequests(retryAfter: .seconds(seconds), description: description)
        case 409:
            return .conflict(description)
        case 401:
            return .unauthorized
        case 400:
            return .badRequest(description)
        case 500...599:
            return .serverError(status: errorCode, description: description)
        default:
            // Other 4xx (403, 404, …) and codes outside the usual ranges: not retryable, and the
            // code is kept in the text so a caller can tell them apart.
            return .badRequest("\(description) (\(errorCode))")
        }
    }

    private static func trailingCode(in description: String) -> Int? {
        guard description.hasSuffix(")"), let open = description.lastIndex(of: "(") else { return nil }
        let digits = description[description.index(after: open)..<description.index(before: description.endIndex)]
        guard digits.count == 3, let code = Int(digits) else { return nil }
        return code
    }
}
