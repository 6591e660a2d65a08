import MetroSupport

/// A Bot API failure, answered as `{"ok":false,"error_code":N,"description":"…","parameters":{…}}`.
struct BotAPIError: Error, Sendable {
    let code: Int
    let description: String
    var retryAfter: Int?

    static func badRequest(_ text: String) -> BotAPIError { .init(code: 400, description: "Bad Request: \(text)") }
    static let invalidToken = BotAPIError(code: 401, description: "Unauthorized: invalid token specified")
    static let methodNotFound = BotAPIError(code: 404, description: "Not Found: method not found")
    static let webhookActive = BotAPIError(
        code: 409,
        description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
    static let otherGetUpdates = BotAPIError(
        code: 409,
        description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
    static let terminatedBySetWebhook = BotAPIError(code: 409, description: "Conflict: terminated by setWebhook request")
    static func tooManyRequests(retryAfter: Int) -> BotAPIError {
        .init(code: 429, description: "Too Many Requests: retry after \(retryAfter)", retryAfter: retryAfter)
    }
    static let chatNotFound = badRequest("chat not found")
    static let entityTooLarge = BotAPIError(code: 413, description: "Request Entity Too Large")

    /// Telegram's wording for a bare status.
    static func description(forStatus status: Int, retryAfter: Int?) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 409: return "Conflict"
        case 413: return "Request Entity Too Large"
        case 429: return "Too Many Requests: retry after \(retryAfter ?? 1)"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Error \(status)"
        }
    }
}
