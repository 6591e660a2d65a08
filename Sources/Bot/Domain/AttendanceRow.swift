import Foundation

/// One row of the attendance sheet (DESIGN.md, "Rows"):
/// `timestamp | user_id | username | full_name | action | latitude | longitude | site | distance_m | update_id`.
/// The `update_id` column is the row key that makes appends exactly-once.
public struct AttendanceRow: Sendable, Equatable {
    /// The update that produced the row; its key in the outbox and in the sheet.
    public var updateID: Int64
    /// The cells, in sheet column order.
    public var cells: [String]

    /// Builds the row for a resolved location.
    /// - Parameters:
    ///   - timestamp: When the location was sent; written ISO 8601 UTC with seconds.
    ///   - distanceMetres: Rounded to whole metres in the cell.
    public init(updateID: Int64, timestamp: Date, user: User, action: AttendanceAction,
                latitude: Double, longitude: Double, site: String, distanceMetres: Double) {
        self.updateID = updateID
        cells = [
            Self.formatTimestamp(timestamp),
            String(user.id),
            user.username ?? "",
            user.fullName,
            action.rawValue,
            String(latitude),
            String(longitude),
            site,
            String(Int(distanceMetres.rounded())),
            String(updateID),
        ]
    }

    /// Creates a row from stored cells.
    public init(updateID: Int64, cells: [String]) {
        self.updateID = updateID
        self.cells = cells
    }

    /// Column headers, in order.
    public static let header = ["timestamp", "user_id", "username", "full_name", "action",
                                "latitude", "longitude", "site", "distance_m", "update_id"]

    /// `2026-11-29T04:10:00Z`.
    public static func formatTimestamp(_ date: Date) -> String {
        date.formatted(timestampStyle)
    }

    /// Built once: looking the time zone up by name per row showed in the intake's profile.
    private static let timestampStyle = Date.ISO8601FormatStyle(timeZone: TimeZone(secondsFromGMT: 0)!)
}
