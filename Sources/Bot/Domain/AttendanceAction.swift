/// What a row records: arriving at or leaving a site.
public enum AttendanceAction: String, Codable, Sendable, CaseIterable {
    /// Written `check_in` in the row's `action` column.
    case checkIn = "check_in"
    /// Written `check_out` in the row's `action` column.
    case checkOut = "check_out"

    /// "check in" / "check out", for sentences.
    public var verb: String { self == .checkIn ? "check in" : "check out" }
    /// "Checked in" / "Checked out", for confirmations.
    public var pastTense: String { self == .checkIn ? "Checked in" : "Checked out" }
}
