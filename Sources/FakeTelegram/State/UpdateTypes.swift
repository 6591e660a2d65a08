import MetroSupport

/// The update types of the Bot API's `Update` object.
enum UpdateTypes {
    static let all: [String] = [
        "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
        "business_message", "edited_business_message", "deleted_business_messages", "message_reaction",
        "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_member",
        "chat_join_request", "chat_boost", "removed_chat_boost",
    ]

    /// Telegram's default when `allowed_updates` is not given or empty: every type except
    /// `chat_member`, `message_reaction` and `message_reaction_count`.
    static let defaultAllowed: Set<String> = Set(all).subtracting(["chat_member", "message_reaction", "message_reaction_count"])

    /// Parses an `allowed_updates` parameter (a JSON array of names); unknown names are skipped and
    /// an empty result means the default (`nil`).
    static func parseAllowed(_ raw: String?) -> Set<String>?? {
        guard let raw, !raw.isEmpty else { return .none }
        guard let names = JSONValue.parse(raw)?.arrayValue else { return .some(nil) }
        let known = Set(names.compactMap(\.stringValue).filter { Set(all).contains($0) })
        return .some(known.isEmpty ? nil : known)
    }
}
