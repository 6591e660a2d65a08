import Foundation
import MetroSupport

/// Updates made on behalf of users: what the control API and the Swift API inject.
extension FakeTelegramState {
    /// The largest identifier the fake accepts in an injected update: 2^53, past Telegram's 52 bits.
    static let largestIdentifier: Int64 = 1 << 53

    /// A text message from a user in their private chat; commands get a `bot_command` entity.
    func injectMessage(botID: Int64, userID: Int64, text: String, firstName: String?, username: String?) throws(FakeTelegramError) -> InjectedUpdate {
        guard userID > 0 else { throw .invalidUpdate("user id must be a positive integer, got \(userID)") }
        guard !text.isEmpty else { throw .invalidUpdate("text must not be empty") }
        guard text.utf16.count <= MessageText.maximumLength else {
            throw .invalidUpdate("text is longer than Telegram's 4096 characters")
        }
        var fields: [String: JSONValue] = ["text": .string(text)]
        if text.hasPrefix("/") {
            let command = text.prefix { !$0.isWhitespace }
            fields["entities"] = .array([
                .object(["offset": .int(0), "length": .int(Int64(command.utf16.count)), "type": .string("bot_command")])
            ])
        }
        return injectUserMessage(botID: botID, userID: userID, firstName: firstName, username: username, fields: fields, text: text)
    }

    /// A location message from a user. Coordinates are passed through as given (even out of
    /// range), so that scenarios can check the bot's own validation.
    func injectLocation(botID: Int64, userID: Int64, latitude: Double, longitude: Double) throws(FakeTelegramError) -> InjectedUpdate {
        guard userID > 0 else { throw .invalidUpdate("user id must be a positive integer, got \(userID)") }
        guard latitude.isFinite, longitude.isFinite else { throw .invalidUpdate("latitude and longitude must be finite numbers") }
        let fields: [String: JSONValue] = [
            "location": .object(["latitude": .double(latitude), "longitude": .double(longitude)])
        ]
        return injectUserMessage(botID: botID, userID: userID, firstName: nil, username: nil, fields: fields, text: nil)
    }

    private func injectUserMessage(
        botID: Int64, userID: Int64, firstName: String?, username: String?, fields: [String: JSONValue], text: String?
    ) -> InjectedUpdate {
        let (user, chat) = privateChat(botID: botID, userID: userID, firstName: firstName, username: username)
        let messageID = nextMessageID(botID: botID, chatID: userID)
        let date = Self.unixNow
        var message: [String: JSONValue] = ["message_id": .int(messageID), "from": user, "chat": chat, "date": .int(date)]
        message.merge(fields) { _, new in new }
        let payload = JSONValue.object(message)
        store(
            StoredMessage(id: messageID, fromBot: false, date: date, text: text, userPayload: payload),
            botID: botID, chatID: userID)
        let updateID = enqueue(botID: botID, type: "message", payload: payload, queueKey: .chat(userID))
        return InjectedUpdate(updateID: updateID, messageID: messageID, callbackQueryID: nil)
    }

    /// A press on an inline button of a bot message (`messageID`, or the bot's last message in the chat).
    func injectCallback(botID: Int64, userID: Int64, data: String, messageID: Int64?) throws(FakeTelegramError) -> InjectedUpdate {
        guard userID > 0 else { throw .invalidUpdate("user id must be a positive integer, got \(userID)") }
        guard let chat = botRecord(botID).chats[userID] else { throw .messageNotFound(chatID: userID, messageID: messageID) }
        let target = messageID ?? chat.order.last { chat.messages[$0]?.fromBot == true }
        guard let target, chat.messages[target]?.fromBot == true,
            let message = messageJSON(botID: botID, chatID: userID, messageID: target, anyMarkup: false)
        else { throw .messageNotFound(chatID: userID, messageID: messageID) }
        let (user, _) = privateChat(botID: botID, userID: userID, firstName: nil, username: nil)
        let id = "\(UInt64(bitPattern: botID) &* 1_000_003 &+ nextCallbackNumber)"
        nextCallbackNumber += 1
        botRecord(botID).callbacks[id] = CallbackRecord(id: id, chatID: userID, messageID: target)
        let payload = JSONValue.object([
            "id": .string(id), "from": user, "message": message,
            "chat_instance": .string("\(UInt64(bitPattern: userID ^ botID) &* 2_654_435_761 % 9_000_000_000_000_000_000)"),
            "data": .string(data),
        ])
        let updateID = enqueue(botID: botID, type: "callback_query", payload: payload, queueKey: .chat(userID))
        return InjectedUpdate(updateID: updateID, messageID: nil, callbackQueryID: id)
    }

    /// Any update, given without `update_id`: exactly one member naming its type.
    func injectRaw(botID: Int64, update: JSONValue) throws(FakeTelegramError) -> InjectedUpdate {
        guard let members = update.objectValue else { throw .invalidUpdate("an update must be a JSON object") }
        if members["update_id"] != nil {
            throw .invalidUpdate("leave update_id out: the fake numbers updates itself")
        }
        guard members.count == 1, let (type, payload) = members.first else {
            throw .invalidUpdate("an update has exactly one member naming its type, e.g. {\"message\": {…}}")
        }
        guard UpdateTypes.all.contains(type) else {
            throw .invalidUpdate("\"\(type)\" is not a Bot API update type; use one of \(UpdateTypes.all.joined(separator: ", "))")
        }
        guard payload.objectValue != nil else { throw .invalidUpdate("the \"\(type)\" member must be an object") }
        let chatObject = payload["chat"] ?? payload["message"]?["chat"]
        let userID = payload["from"]?["id"]?.intValue ?? payload["user"]?["id"]?.intValue
        var key: QueueKey?
        if let chatObject, let chatID = chatObject["id"]?.intValue {
            key = .chat(chatID)
            if botRecord(botID).chats[chatID] == nil { botRecord(botID).chats[chatID] = Chat(id: chatID, json: chatObject) }
            if let messageID = payload["message_id"]?.intValue, ["message", "edited_message", "channel_post"].contains(type) {
                // Telegram's identifiers fit in 52 bits; a larger one would overflow the chat's
                // message counter (2^63−1 once crashed the fake).
                guard (1...Self.largestIdentifier).contains(messageID) else {
                    throw .invalidUpdate("message_id \(messageID) is out of range; use 1 to \(Self.largestIdentifier), as Telegram's ids fit in 52 bits")
                }
                if type != "edited_message" {
                    if let next = botRecord(botID).chats[chatID]?.nextMessageID {
                        botRecord(botID).chats[chatID]?.nextMessageID = max(next, messageID + 1)
                    }
                    store(
                        StoredMessage(
                            id: messageID, fromBot: false, date: payload["date"]?.intValue ?? Self.unixNow,
                            text: payload["text"]?.stringValue, userPayload: payload),
                        botID: botID, chatID: chatID)
                }
            }
        } else if let userID {
            key = .chat(userID)
        }
        if type == "callback_query", let id = payload["id"]?.stringValue {
            let chatID = payload["message"]?["chat"]?["id"]?.intValue ?? userID ?? 0
            botRecord(botID).callbacks[id] = CallbackRecord(id: id, chatID: chatID, messageID: payload["message"]?["message_id"]?.intValue)
        }
        let updateID = enqueue(botID: botID, type: type, payload: payload, queueKey: key)
        return InjectedUpdate(updateID: updateID, messageID: payload["message_id"]?.intValue, callbackQueryID: payload["id"]?.stringValue)
    }
}
