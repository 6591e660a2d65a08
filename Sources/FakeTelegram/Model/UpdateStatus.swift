import MetroSupport

/// Where an update is in its life: queued, handed out, confirmed — or dropped.
public struct UpdateStatus: Sendable, Hashable {
    /// The state of an update.
    public enum State: String, Sendable, Hashable {
        /// Waiting for `getUpdates` or for webhook delivery.
        case queued
        /// Returned by `getUpdates` or sent to the webhook at least once, not yet confirmed.
        case delivered
        /// Confirmed: a webhook answered 2xx, or a later `getUpdates` offset passed it.
        case confirmed
        /// Never to be delivered: filtered by `allowed_updates`, dropped by
        /// `drop_pending_updates` or by a negative `getUpdates` offset.
        case dropped
    }

    /// The update's id.
    public let updateID: Int64
    /// The update type (`message`, `callback_query`, …).
    public let type: String
    /// Its state.
    public var state: State
    /// How many times it was handed out (getUpdates answers plus webhook attempts).
    public var attempts: Int

    var json: JSONValue {
        .object([
            "update_id": .int(updateID), "type": .string(type), "state": .string(state.rawValue),
            "attempts": .int(Int64(attempts)),
        ])
    }
}
