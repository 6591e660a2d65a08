import Foundation

/// A check-in or check-out the user started and that waits for their location. At most one per
/// user: a new one replaces the old. It lives in the store (`pending_actions`), never in memory.
public struct PendingAction: Codable, Sendable, Equatable {
    /// The Telegram user.
    public var userID: Int64
    /// What the location will record.
    public var action: AttendanceAction
    /// When the user asked.
    public var createdAt: Date
    /// When it stops being live (`createdAt + PENDING_ACTION_TTL`).
    public var expiresAt: Date

    /// Creates a pending action.
    public init(userID: Int64, action: AttendanceAction, createdAt: Date, expiresAt: Date) {
        self.userID = userID
        self.action = action
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case action
        case createdAt = "created_at"
        case expiresAt = "expires_at"
    }

    /// Whether it still waits for a location at `now` (expiry instant excluded).
    public func isLive(at now: Date) -> Bool { now < expiresAt }
}
