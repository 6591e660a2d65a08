/// The answer to a callback query (a press on an inline keyboard button). Until it is sent
/// (`answerCallbackQuery`), the user's Telegram client keeps a progress indicator on the button,
/// so every callback query the bot records gets one, even when the bot otherwise ignores it.
///
/// Stored in `callback_answers` in the same transaction as the update that produced it, then sent
/// by `ReplySender`, which drops it unsent once it is older than Telegram accepts.
public struct CallbackAnswer: Sendable, Equatable {
    /// The `id` of the callback query answered.
    public var callbackQueryID: String
    /// A notification shown at the top of the chat (0–200 characters); `nil` shows nothing.
    public var text: String?

    /// Creates an answer.
    /// - Parameter text: Defaults to `nil` (no notification; the indicator just stops).
    public init(callbackQueryID: String, text: String? = nil) {
        self.callbackQueryID = callbackQueryID
        self.text = text
    }
}
