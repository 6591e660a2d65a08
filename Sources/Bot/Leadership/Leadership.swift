/// Which of several bot instances sharing one store decides how updates are received.
///
/// Every instance serves the webhook route, but only one may set the webhook, watch it, fall
/// back to polling and poll: Telegram answers a second poller 409, and two watchdogs would each
/// delete the webhook the other set. `WebhookSupervisor` does all of that only while
/// `claim()` says this instance leads, and stands by otherwise.
public protocol Leadership: Sendable {
    /// Whether this instance leads now: takes the lead when nobody holds it, and reports whether
    /// it still holds it when it did. Never throws: a lead that cannot be checked (its store
    /// unreachable) is not held.
    func claim() async -> Bool

    /// Gives the lead up, so that another instance takes over at its next check instead of when
    /// this one's hold lapses. Called once, when the supervisor stops.
    func resign() async
}

/// The lead of a bot whose store only it uses (SQLite): always its own.
public struct SoleLeadership: Leadership {
    /// Creates the sole lead.
    public init() {}

    public func claim() async -> Bool { true }

    public func resign() async {}
}
