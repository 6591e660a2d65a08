import MetroSupport

/// `reply_markup` parsing: one of the four kinds the Bot API knows.
enum ReplyMarkup {
    /// The markup of the call, `nil` when none was given.
    static func parse(_ params: MethodParameters, inlineOnly: Bool) throws(BotAPIError) -> JSONValue? {
        let failure = BotAPIError.badRequest(
            inlineOnly ? "can't parse inline keyboard markup JSON object" : "can't parse reply keyboard markup JSON object")
        guard case .some(let parsed) = params.json("reply_markup") else { throw failure }
        guard let markup = parsed else { return nil }
        guard let members = markup.objectValue else { throw failure }
        if let rows = members["inline_keyboard"] {
            try checkInlineKeyboard(rows)
            return markup
        }
        if inlineOnly { throw failure }
        if let rows = members["keyboard"] {
            guard let rows = rows.arrayValue else { throw .badRequest("field \"keyboard\" must be an Array") }
            for row in rows {
                guard let buttons = row.arrayValue else { throw .badRequest("field \"keyboard\" must be an Array of Arrays") }
                for button in buttons where button.stringValue == nil {
                    guard button["text"]?.stringValue != nil else {
                        throw .badRequest("can't parse keyboard button: Field \"text\" must be of type String")
                    }
                }
            }
            return markup
        }
        if members["remove_keyboard"] == .bool(true) || members["force_reply"] == .bool(true) { return markup }
        throw failure
    }

    private static func checkInlineKeyboard(_ rows: JSONValue) throws(BotAPIError) {
        guard let rows = rows.arrayValue else { throw .badRequest("field \"inline_keyboard\" must be an Array") }
        let actions = [
            "url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
        ]
        for row in rows {
            guard let buttons = row.arrayValue else { throw .badRequest("field \"inline_keyboard\" must be an Array of Arrays") }
            for button in buttons {
                guard button["text"]?.stringValue != nil else {
                    throw .badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
                }
                guard actions.contains(where: { button[$0] != nil }) else {
                    throw .badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                }
                if let data = button["callback_data"]?.stringValue, data.utf8.count > 64 || data.isEmpty {
                    throw .badRequest("BUTTON_DATA_INVALID")
                }
            }
        }
    }
}
