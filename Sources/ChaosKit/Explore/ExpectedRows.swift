/// A row the bot must (or may) append for one location update of a schedule.
public struct ExpectedRow: Sendable, Equatable {
    /// The position of the update among the schedule's updates, in the order they were sent
    /// (``ExpectedRows/updateEvents(_:)``).
    public var update: Int
    /// The user whose row it is.
    public var user: Int64
    /// `check_in` or `check_out`, the sheet's `action` cell.
    public var action: String
    /// True when the bot may legitimately have refused the flow (it sheds new check-ins while
    /// memory is critical, answering "busy"): the row may be there or not, but not twice.
    public var optional: Bool

    /// Creates an expected row.
    public init(update: Int, user: Int64, action: String, optional: Bool = false) {
        self.update = update
        self.user = user
        self.action = action
        self.optional = optional
    }
}

/// The rows a schedule must produce, from the conversation rules of DESIGN.md: per user, in
/// the order sent (Telegram keeps a chat's order in both modes), `/checkin` or `/checkout` opens
/// a pending action, `/cancel` drops it, a location with valid coordinates completes it (one
/// row), a location with impossible coordinates leaves it open, and a location without one is
/// stray. Other texts and callbacks change nothing. Pending actions live 30 minutes, far longer
/// than any schedule.
public enum ExpectedRows {
    /// The indices of the schedule's events that send an update, in sending order; the n-th
    /// injected update id belongs to event `updateEvents[n]`.
    public static func updateEvents(_ schedule: Schedule) -> [Int] {
        schedule.events.indices.filter { index in
            switch schedule.events[index] {
            case .send, .raw: true
            default: false
            }
        }
    }

    /// The rows of `schedule`'s first `sent` updates (all of them by default).
    /// - Parameter busyUsers: Users the bot told it was busy (memory critical); their flows
    ///   opened after a memory limit are optional.
    public static func rows(_ schedule: Schedule, sent: Int? = nil, busyUsers: Set<Int64> = []) -> [ExpectedRow] {
        var pending: [Int64: (action: String, optional: Bool)] = [:]
        var rows: [ExpectedRow] = []
        var memoryLimited = false
        var update = 0
        for event in schedule.events {
            if let sent, update >= sent { break }
            switch event {
            case .memoryLimit:
                memoryLimited = true
            case .raw:
                update += 1
            case .send(let user, let payload, _):
                defer { update += 1 }
                switch payload {
                case .text("/checkin"): pending[user] = ("check_in", memoryLimited && busyUsers.contains(user))
                case .text("/checkout"): pending[user] = ("check_out", memoryLimited && busyUsers.contains(user))
                case .text("/cancel"): pending[user] = nil
                case .location(let latitude, let longitude):
                    guard (-90...90).contains(latitude), (-180...180).contains(longitude), let open = pending[user] else { continue }
                    rows.append(ExpectedRow(update: update, user: user, action: open.action, optional: open.optional))
                    pending[user] = nil
                default: break
                }
            default: break
            }
        }
        return rows
    }
}
