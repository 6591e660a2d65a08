import FakeTelegram

/// A fault rule of the fake Telegram (named apart from the fake Sheets' rule type, which has the
/// same name in its own module).
typealias TelegramFault = FaultRule

extension TelegramFault {
    /// Calls of `method` answered with `status`, `times` times.
    static func failing(_ method: String, status: Int, times: Int? = nil, retryAfter: Int? = nil) -> TelegramFault {
        TelegramFault(match: .init(method: method), respond: .init(status: status, retryAfter: retryAfter), times: times)
    }
}
