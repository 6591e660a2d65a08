/// The store cannot be reached: its server is down or restarting, the network to it is cut, or
/// every connection to it is busy past the wait. Nothing about the update being stored is wrong,
/// and storing it again later will work, so the intake counts no try against it (an outage never
/// makes dead letters) and the webhook answers 503 for Telegram to deliver it again.
///
/// A store throws it for those causes only; a constraint it breaks or a statement it refuses is
/// the update's own problem and stays its own error. SQLite, a file on the bot's own disk, never
/// throws it.
public struct StoreUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why, without the server's address or credentials: "connection refused", "the server closed
    /// the connection", …
    public var reason: String

    /// Creates the error.
    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "the store is unreachable: \(reason)" }
}
