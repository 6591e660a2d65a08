import FakeTelegram
import MetroSupport

extension TelegramFaultRule {
    /// Calls of `method` answered with `status`, `times` times.
    static func failing(_ method: String, status: Int, times: Int? = nil, retryAfter: Int? = nil) -> TelegramFaultRule {
        TelegramFaultRule(match: .init(method: method), respond: .init(status: status, retryAfter: retryAfter), times: times)
    }
}
