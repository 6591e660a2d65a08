/// What must hold after a schedule's faults are cleared and the bot has settled.
public enum Invariant: String, Sendable, CaseIterable, Codable {
    /// Every acknowledged location that completed a flow has exactly one row.
    case lostRow = "lost-row"
    /// No row is doubled, and none is invented (a row for an update that completed no flow, or
    /// with another user or action than the flow's).
    case extraRow = "extra-row"
    /// Each user's rows are in the order the user sent the locations.
    case rowOrder = "row-order"
    /// Every row was confirmed to its user ("Checked in"/"Checked out" in the chat).
    case unconfirmedRow = "unconfirmed-row"
    /// Every update ends processed, dead-lettered or rejected; none is left silently.
    case updateLeft = "update-left"
    /// Every SIGTERM (or SIGINT) alone makes the bot exit 0 within the shutdown grace.
    case sigtermExit = "sigterm-exit"
    /// `/health` is ok at the end (degraded is accepted only for dead letters the schedule planted).
    case health
    /// No secret appears in any log line.
    case secretInLog = "secret-in-log"
    /// Memory is back under the warning percentage of the limit.
    case memory

    /// The invariant in one sentence, for reports.
    public var statement: String {
        switch self {
        case .lostRow: "every acknowledged location that completed a flow has exactly one row"
        case .extraRow: "no row is doubled and none is invented"
        case .rowOrder: "each user's rows are in the order the user sent them"
        case .unconfirmedRow: "every row was confirmed to its user"
        case .updateLeft: "every update ends processed, dead-lettered or rejected"
        case .sigtermExit: "every SIGTERM exits 0 within the grace"
        case .health: "/health is ok at the end and the bot never exited on its own"
        case .secretInLog: "no secret appears in any log"
        case .memory: "memory is back under the limit"
        }
    }
}

/// One broken invariant: which, about which updates, and the evidence.
public struct Violation: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The invariant.
    public var invariant: Invariant
    /// What was seen, in one sentence.
    public var message: String
    /// The update ids concerned (none for process-wide invariants).
    public var updateIDs: [Int64]
    /// Excerpts from both fakes' journals and the bot's log (secrets redacted).
    public var evidence: [String]

    /// Creates a violation.
    public init(invariant: Invariant, message: String, updateIDs: [Int64] = [], evidence: [String] = []) {
        self.invariant = invariant
        self.message = message
        self.updateIDs = updateIDs
        self.evidence = evidence
    }

    /// `lost-row: … (updates 12, 14)`.
    public var description: String {
        "\(invariant.rawValue): \(message)" + (updateIDs.isEmpty ? "" : " (update\(updateIDs.count == 1 ? "" : "s") \(updateIDs.map(String.init).joined(separator: ", ")))")
    }
}
