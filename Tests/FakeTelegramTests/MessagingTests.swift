import FakeTelegram
import Foundation
import NIOHTTP1
import Testing
import MetroSupport

@Suite struct MessagingTests {
    @Test("sendMessage answers a complete Message; reply_markup appears only when inline")
    func sendMessage() async throws {
        try await withFake { fake, bot, client in
            let user = try await fake.sendUserMessage(userID: 11, text: "hi", firstName: "Bea")
            let keyboard: JSONValue = .object(["keyboard": .array([.array([.string("Check in"), .object(["text": "Where", "request_location": .bool(true)])])])])
            let plain = try await client.call(bot.token, "sendMessage", ["chat_id": .int(11), "text": "Choose", "reply_markup": keyboard])
            let message = try #require(plain.result)
            #expect(message["message_id"]?.intValue == (user.messageID ?? 0) + 1)
            #expect(message["from"]?["id"]?.intValue == bot.id)
            #expect(message["from"]?["is_bot"] == .bool(true))
            #expect(message["chat"]?["id"]?.intValue == 11)
            #expect(message["chat"]?["first_name"]?.stringValue == "Bea")
            #expect(message["text"]?.stringValue == "Choose")
            #expect(message["date"]?.intValue ?? 0 > 1_700_000_000)
            #expect(message["reply_markup"] == nil)
            let inline: JSONValue = .object(["inline_keyboard": .array([.array([.object(["text": "Yes", "callback_data": "yes"])])])])
            let withInline = try await client.call(
                bot.token, "sendMessage",
                ["chat_id": .string("11"), "text": "Sure?", "reply_markup": .string(inline.jsonText),
                 "reply_parameters": .object(["message_id": .int(user.messageID!)])])
            #expect(withInline.result?["reply_markup"] == inline)
            #expect(withInline.result?["reply_to_message"]?["text"]?.stringValue == "hi")
            let transcript = try await fake.chatMessages(chatID: 11)
            #expect(transcript.map(\.text) == ["Choose", "Sure?"])
            #expect(transcript[0].replyMarkup == keyboard)
            #expect(transcript[0].json["reply_markup"] == keyboard)
        }
    }

    @Test("sendMessage refuses bad input with Telegram's descriptions", arguments: [
        (["text": JSONValue.string("x")], "Bad Request: chat_id is empty"),
        (["chat_id": .int(999), "text": "x"], "Bad Request: chat not found"),
        (["chat_id": .int(12)], "Bad Request: message text is empty"),
        (["chat_id": .int(12), "text": ""], "Bad Request: message text is empty"),
        (["chat_id": .int(12), "text": .string(String(repeating: "a", count: 4097))], "Bad Request: message is too long"),
        (["chat_id": .int(12), "text": "x", "parse_mode": "Klingon"], "Bad Request: unsupported parse_mode"),
        (["chat_id": .int(12), "text": "x", "reply_markup": "{oops"], "Bad Request: can't parse reply keyboard markup JSON object"),
        (["chat_id": .int(12), "text": "x", "reply_parameters": .object(["message_id": .int(9999)])], "Bad Request: message to be replied not found"),
    ] as [([String: JSONValue], String)])
    func sendMessageErrors(params: [String: JSONValue], description: String) async throws {
        try await withFake { fake, bot, client in
            try await fake.sendUserMessage(userID: 12, text: "hi")
            let answer = try await client.call(bot.token, "sendMessage", params)
            #expect(answer.status == 400)
            #expect(answer.errorCode == 400)
            #expect(answer.description == description)
            #expect(try await fake.chatMessages(chatID: 12).isEmpty)
        }
    }

    @Test("text length counts after entities parsing: 4096 visible characters in HTML pass")
    func lengthAfterEntities() async throws {
        try await withFake { fake, bot, client in
            try await fake.sendUserMessage(userID: 13, text: "hi")
            let text = "<b>" + String(repeating: "a", count: 4096) + "</b>"
            let answer = try await client.call(bot.token, "sendMessage", ["chat_id": .int(13), "text": .string(text), "parse_mode": "HTML"])
            #expect(answer.ok)
        }
    }

    @Test("editMessageText edits the bot's message; unchanged, missing and foreign messages are refused")
    func editMessageText() async throws {
        try await withFake { fake, bot, client in
            let user = try await fake.sendUserMessage(userID: 14, text: "hi")
            let sent = try await client.call(bot.token, "sendMessage", ["chat_id": .int(14), "text": "v1"])
            let id = try #require(sent.result?["message_id"])
            let edited = try await client.call(bot.token, "editMessageText", ["chat_id": .int(14), "message_id": id, "text": "v2"])
            #expect(edited.result?["text"]?.stringValue == "v2")
            #expect(edited.result?["edit_date"] != nil)
            let same = try await client.call(bot.token, "editMessageText", ["chat_id": .int(14), "message_id": id, "text": "v2"])
            #expect(same.description?.hasPrefix("Bad Request: message is not modified") == true)
            let missing = try await client.call(bot.token, "editMessageText", ["chat_id": .int(14), "message_id": .int(999), "text": "x"])
            #expect(missing.description == "Bad Request: message to edit not found")
            let foreign = try await client.call(bot.token, "editMessageText", ["chat_id": .int(14), "message_id": .int(user.messageID!), "text": "x"])
            #expect(foreign.description == "Bad Request: message can't be edited")
            #expect(try await fake.chatMessages(chatID: 14).map(\.text) == ["v2"])
        }
    }

    @Test("deleteMessage removes the message from the transcript; a second delete is refused")
    func deleteMessage() async throws {
        try await withFake { fake, bot, client in
            try await fake.sendUserMessage(userID: 15, text: "hi")
            let sent = try await client.call(bot.token, "sendMessage", ["chat_id": .int(15), "text": "bye"])
            let id = try #require(sent.result?["message_id"])
            #expect(try await client.call(bot.token, "deleteMessage", ["chat_id": .int(15), "message_id": id]).result == .bool(true))
            let again = try await client.call(bot.token, "deleteMessage", ["chat_id": .int(15), "message_id": id])
            #expect(again.description == "Bad Request: message to delete not found")
            #expect(try await fake.chatMessages(chatID: 15).isEmpty)
        }
    }

    @Test("a callback query carries id, chat_instance, the message and data; it can be answered once")
    func callbacks() async throws {
        try await withFake { fake, bot, client in
            try await fake.sendUserMessage(userID: 16, text: "hi")
            let inline: JSONValue = .object(["inline_keyboard": .array([.array([.object(["text": "Go", "callback_data": "go"])])])])
            let sent = try await client.call(bot.token, "sendMessage", ["chat_id": .int(16), "text": "Press", "reply_markup": inline])
            let injected = try await fake.sendCallback(userID: 16, data: "go")
            let updates = try await client.call(bot.token, "getUpdates", ["offset": .int(injected.updateID)])
            let query = try #require(updates.result?.arrayValue?.first?["callback_query"])
            #expect(query["id"]?.stringValue == injected.callbackQueryID)
            #expect(query["data"]?.stringValue == "go")
            #expect(query["chat_instance"]?.stringValue?.isEmpty == false)
            #expect(query["message"]?["message_id"] == sent.result?["message_id"])
            #expect(query["message"]?["reply_markup"] == inline)
            let answered = try await client.call(bot.token, "answerCallbackQuery", ["callback_query_id": .string(injected.callbackQueryID!), "text": "ok"])
            #expect(answered.result == .bool(true))
            let twice = try await client.call(bot.token, "answerCallbackQuery", ["callback_query_id": .string(injected.callbackQueryID!)])
            #expect(twice.description == "Bad Request: query is too old and response timeout expired or query ID is invalid")
        }
    }

    @Test("setMyCommands stores commands per scope that getMyCommands returns; invalid commands are refused")
    func commands() async throws {
        try await withFake { _, bot, client in
            let commands: JSONValue = .array([.object(["command": "checkin", "description": "Check in"])])
            #expect(try await client.call(bot.token, "setMyCommands", ["commands": commands]).result == .bool(true))
            #expect(try await client.call(bot.token, "getMyCommands").result == commands)
            let scoped = try await client.call(bot.token, "getMyCommands", ["scope": .object(["type": "all_private_chats"])])
            #expect(scoped.result == .array([]))
            let bad = try await client.call(bot.token, "setMyCommands", ["commands": .array([.object(["command": "Bad Command!", "description": "x"])])])
            #expect(bad.description == "Bad Request: BOT_COMMAND_INVALID")
            #expect(try await client.call(bot.token, "deleteMyCommands").result == .bool(true))
            #expect(try await client.call(bot.token, "getMyCommands").result == .array([]))
        }
    }
}
