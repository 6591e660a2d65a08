import FakeTelegram
import Foundation
import NIOHTTP1
import Testing
import MetroSupport

/// The exact JSON the fake writes: which members are present, which are left out (never `null`),
/// and what type each has. Read with `JSONSerialization`, independently of the fake's `JSONValue`.
@Suite struct AnswerShapeTests {
    @Test("a plain sendMessage answers exactly ok+result; the Message has no reply_markup, edit_date or reply_to_message")
    func plainMessage() async throws {
        try await withFake { fake, bot, client in
            try await fake.sendUserMessage(userID: 21, text: "hi", firstName: "Ann")
            let answer = try await client.call(bot.token, "sendMessage", ["chat_id": .int(21), "text": "Hello"])
            let envelope = try foundationObject(answer)
            #expect(Set(envelope.keys) == ["ok", "result"])
            #expect(envelope["ok"] as? Bool == true)
            let message = try #require(envelope["result"] as? [String: Any])
            #expect(Set(message.keys) == ["message_id", "from", "chat", "date", "text"])
            #expect(message["message_id"] as? Int == 2)
            #expect(message["text"] as? String == "Hello")
            let from = try #require(message["from"] as? [String: Any])
            #expect(Set(from.keys) == ["id", "is_bot", "first_name", "username"])
            #expect(from["is_bot"] as? Bool == true)
            #expect((from["id"] as? NSNumber)?.int64Value == bot.id)
            let chat = try #require(message["chat"] as? [String: Any])
            #expect(Set(chat.keys) == ["id", "type", "first_name"])
            #expect(chat["type"] as? String == "private")
        }
    }

    @Test("an inline keyboard comes back verbatim; a reply keyboard is kept out of the answer")
    func markupShapes() async throws {
        try await withFake { fake, bot, client in
            try await fake.sendUserMessage(userID: 22, text: "hi")
            let inline = #"{"inline_keyboard":[[{"text":"Undo","callback_data":"undo"},{"text":"Map","url":"https://example.org/a/b"}]]}"#
            let withInline = try await client.raw(
                .POST, "/bot\(bot.token)/sendMessage",
                body: Data(#"{"chat_id":22,"text":"Done","reply_markup":\#(inline)}"#.utf8), contentType: "application/json")
            let message = try #require(try foundationObject(withInline)["result"] as? [String: Any])
            #expect(Set(message.keys) == ["message_id", "from", "chat", "date", "text", "reply_markup"])
            let markup = try #require(message["reply_markup"] as? [String: Any])
            let sent = try #require(try JSONSerialization.jsonObject(with: Data(inline.utf8)) as? [String: Any])
            #expect(NSDictionary(dictionary: markup).isEqual(to: sent))
            #expect(String(decoding: withInline.body, as: UTF8.self).contains(#""url":"https://example.org/a/b""#))
            let keyboard = try await client.call(
                bot.token, "sendMessage",
                ["chat_id": .int(22), "text": "Pick", "reply_markup": .object(["keyboard": .array([.array(["A"])])])])
            let plain = try #require(try foundationObject(keyboard)["result"] as? [String: Any])
            #expect(plain["reply_markup"] == nil)
        }
    }

    @Test("setWebhook and deleteWebhook add description; getWebhookInfo leaves out unset members")
    func descriptions() async throws {
        try await withFake { _, bot, client in
            let info = try foundationObject(try await client.call(bot.token, "getWebhookInfo"))
            #expect(Set(info.keys) == ["ok", "result"])
            let result = try #require(info["result"] as? [String: Any])
            #expect(Set(result.keys) == ["url", "has_custom_certificate", "pending_update_count"])
            let set = try foundationObject(try await client.call(bot.token, "setWebhook", ["url": "http://127.0.0.1:9/hook"]))
            #expect(Set(set.keys) == ["ok", "result", "description"])
            #expect(set["result"] as? Bool == true)
            #expect(set["description"] as? String == "Webhook was set")
            let deleted = try foundationObject(try await client.call(bot.token, "deleteWebhook"))
            #expect(deleted["description"] as? String == "Webhook was deleted")
        }
    }

    @Test("errors answer exactly ok+error_code+description; parameters only with retry_after")
    func errorShapes() async throws {
        try await withFake { fake, bot, client in
            let missing = try foundationObject(try await client.call(bot.token, "sendMessage", ["text": "x"]))
            #expect(Set(missing.keys) == ["ok", "error_code", "description"])
            #expect(missing["ok"] as? Bool == false)
            #expect(missing["error_code"] as? Int == 400)
            try await fake.addFault(TelegramFaultRule(match: .init(method: "getMe"), respond: .init(status: 429, retryAfter: 7)))
            let limited = try await client.call(bot.token, "getMe")
            #expect(limited.status == 429)
            let envelope = try foundationObject(limited)
            #expect(Set(envelope.keys) == ["ok", "error_code", "description", "parameters"])
            let parameters = try #require(envelope["parameters"] as? [String: Any])
            #expect(Set(parameters.keys) == ["retry_after"])
            #expect(parameters["retry_after"] as? Int == 7)
        }
    }

    @Test("JSON bodies keep their types: numbers, Booleans and strings read alike; null members count as absent")
    func jsonTypes() async throws {
        try await withFake { fake, bot, client in
            try await fake.sendUserMessage(userID: 23, text: "hi")
            let body = #"{"chat_id":"23","text":"typed","disable_notification":true,"reply_markup":null,"reply_parameters":null}"#
            let answer = try await client.raw(.POST, "/bot\(bot.token)/sendMessage", body: Data(body.utf8), contentType: "application/json")
            #expect(answer.ok)
            let edited = try await client.call(
                bot.token, "editMessageText", ["chat_id": .string(" 23 "), "message_id": .string("2"), "text": "retyped"])
            #expect(edited.result?["text"] == "retyped")
            let notInteger = try await client.call(bot.token, "deleteMessage", ["chat_id": .int(23), "message_id": .bool(true)])
            #expect(notInteger.description == "Bad Request: field \"message_id\" must be an Integer")
            let dropped = try await client.call(bot.token, "deleteWebhook", ["drop_pending_updates": .bool(true)])
            #expect(dropped.ok)
            #expect(try await client.call(bot.token, "getUpdates").result == .array([]))
            let journal = try await fake.calls(method: "sendMessage")
            #expect(journal.first?.params == ["chat_id": "23", "text": "typed", "disable_notification": .bool(true)])
        }
    }

    @Test("JSONValue reads Booleans, integers, doubles and null apart and writes them back unchanged")
    func jsonValueRoundTrip() throws {
        let text = #"{"t":true,"f":false,"zero":0,"one":1,"neg":-2,"big":9007199254740993,"half":1.5,"s":"a/b \"q\"","n":null,"a":[1,true,null,{"k":[]}],"o":{}}"#
        let value = try #require(JSONValue.parse(text))
        let expected: JSONValue = [
            "t": true, "f": false, "zero": 0, "one": 1, "neg": -2, "big": 9_007_199_254_740_993, "half": 1.5,
            "s": "a/b \"q\"", "n": nil, "a": [1, true, nil, ["k": []]], "o": [:],
        ]
        #expect(value == expected)
        #expect(JSONValue.parse(value.jsonText) == expected)
        let written = try #require(try JSONSerialization.jsonObject(with: value.encoded()) as? [String: Any])
        #expect(Set(written.keys) == ["t", "f", "zero", "one", "neg", "big", "half", "s", "n", "a", "o"])
        #expect(written["n"] is NSNull)
        #expect(value.jsonText.contains(#""s":"a/b \"q\"""#))
    }
}

/// The answer's body as `JSONSerialization` reads it (a JSON object).
private func foundationObject(_ answer: Answer) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])
}
