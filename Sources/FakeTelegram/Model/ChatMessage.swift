import MetroSupport

/// A message the bot sent to a chat, with edits applied — an entry of the chat transcript.
public struct ChatMessage: Sendable, Hashable {
    /// The message id within the chat.
    public let messageID: Int64
    /// The chat id (for private chats the user's id).
    public let chatID: Int64
    /// The current text.
    public let text: String
    /// The reply markup the bot sent, of any kind (inline, reply keyboard, remove, force reply).
    public let replyMarkup: JSONValue?
    /// The complete Bot API `Message` object, `reply_markup` included whatever its kind.
    public let json: JSONValue
}
