import MetroSupport

/// What a write request asks for one cell, as Google reads a `ValueRange`: JSON `null` leaves
/// the cell as it is, `""` empties it, anything else sets it.
enum CellWrite: Sendable, Equatable {
    /// `null`: the cell keeps its value and is not counted as updated.
    case keep
    /// `""`: the cell is emptied, and counted as updated.
    case clear
    /// A value to store.
    case set(CellValue)

    /// Whether the request writes this cell (everything but `null`).
    var writes: Bool { self != .keep }

    /// The value the cell holds after the write, given what it held before.
    func applied(to old: CellValue?) -> CellValue? {
        switch self {
        case .keep: return old
        case .clear: return nil
        case .set(let value): return value
        }
    }
}
