/// A message the bot will send: stored durably in `outgoing_messages` in the same transaction as
/// the step that produced it, then sent by `ReplySender`.
public struct OutgoingReply: Sendable, Equatable {
    /// The chat to send to.
    public var chatID: Int64
    /// The message text.
    public var text: String
    /// The keyboard to show, if any.
    public var replyMarkup: ReplyMarkup?

    /// Creates a reply.
    public init(chatID: Int64, text: String, replyMarkup: ReplyMarkup? = nil) {
        self.chatID = chatID
        self.text = text
        self.replyMarkup = replyMarkup
    }
}
