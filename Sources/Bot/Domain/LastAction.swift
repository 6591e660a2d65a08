import Foundation

/// The last check-in or check-out recorded for a user, shown by `/status`.
public struct LastAction: Codable, Sendable, Equatable {
    /// The Telegram user.
    public var userID: Int64
    /// What was recorded.
    public var action: AttendanceAction
    /// The row's `site` cell: a site name or `outside`.
    public var site: String
    /// Distance to the nearest site, metres.
    public var distanceMetres: Double
    /// When the location was sent.
    public var recordedAt: Date

    /// Creates a last action.
    public init(userID: Int64, action: AttendanceAction, site: String, distanceMetres: Double, recordedAt: Date) {
        self.userID = userID
        self.action = action
        self.site = site
        self.distanceMetres = distanceMetres
        self.recordedAt = recordedAt
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case action, site
        case distanceMetres = "distance_m"
        case recordedAt = "recorded_at"
    }
}
