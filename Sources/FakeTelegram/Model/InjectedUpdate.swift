import MetroSupport

/// What the fake made of an injected user action.
public struct InjectedUpdate: Sendable, Hashable {
    /// The new update's id.
    public let updateID: Int64
    /// The id of the new message in the user's chat (for messages and locations), else `nil`.
    public let messageID: Int64?
    /// The callback query's id (for callbacks), else `nil`.
    public let callbackQueryID: String?

    var json: JSONValue {
        var members: [String: JSONValue] = ["update_id": .int(updateID)]
        if let messageID { members["message_id"] = .int(messageID) }
        if let callbackQueryID { members["callback_query_id"] = .string(callbackQueryID) }
        return .object(members)
    }
}
