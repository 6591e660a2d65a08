import FakeTelegram
import Foundation
import NIOHTTP1
import Testing
import MetroSupport

@Suite struct ControlAPITests {
    @Test("control routes inject messages, locations, callbacks and raw updates and read state back")
    func routes() async throws {
        try await withFake { fake, bot, client in
            let message = try await client.control(.POST, "/control/users/1001/messages", .object(["text": "/start", "first_name": "Ana", "username": "ana"]))
            let updateID = try #require(message.json["update_id"]?.intValue)
            #expect(message.json["message_id"]?.intValue == 1)
            let location = try await client.control(.POST, "/control/users/1001/locations", .object(["latitude": .double(40.4168), "longitude": .double(-3.7038)]))
            #expect(location.json["update_id"]?.intValue == updateID + 1)
            let raw = try await client.control(.POST, "/control/updates", .object(["edited_message": .object(["message_id": .int(1), "date": .int(1), "chat": .object(["id": .int(1001), "type": "private"]), "text": "edited"])]))
            #expect(raw.json["update_id"]?.intValue == updateID + 2)
            let updates = try #require(try await client.call(bot.token, "getUpdates").result?.arrayValue)
            #expect(updates.count == 3)
            #expect(updates[1]["message"]?["location"]?["latitude"]?.doubleValue == 40.4168)
            #expect(updates[2]["edited_message"]?["text"]?.stringValue == "edited")
            let state = try await client.control(.GET, "/control/updates/\(updateID)")
            #expect(state.json["state"]?.stringValue == "delivered")
            #expect(state.json["attempts"]?.intValue == 1)
            _ = try await client.call(bot.token, "sendMessage", ["chat_id": .int(1001), "text": "Pick", "reply_markup": .object(["inline_keyboard": .array([.array([.object(["text": "A", "callback_data": "a"])])])])])
            let callback = try await client.control(.POST, "/control/users/1001/callbacks", .object(["data": "a"]))
            #expect(callback.json["callback_query_id"]?.stringValue != nil)
            let transcript = try await client.control(.GET, "/control/chats/1001/messages")
            #expect(transcript.json.arrayValue?.first?["text"]?.stringValue == "Pick")
            let calls = try await client.control(.GET, "/control/calls?method=sendMessage")
            let call = try #require(calls.json.arrayValue?.first)
            #expect(calls.json.arrayValue?.count == 1)
            #expect(call["method"]?.stringValue == "sendMessage")
            #expect(call["params"]?["text"]?.stringValue == "Pick")
            #expect(call["status"]?.intValue == 200)
            #expect(call["at"]?.stringValue?.contains("T") == true)
            let all = try await fake.calls()
            #expect(all.map(\.method) == ["getUpdates", "sendMessage"])
        }
    }

    @Test("control routes refuse bad input with a reason", arguments: [
        ("/control/users/abc/messages", JSONValue.object(["text": "x"]), 400),
        ("/control/users/1/messages", .object([:]), 400),
        ("/control/users/1/locations", .object(["latitude": "north"]), 400),
        ("/control/users/1/callbacks", .object(["data": "x"]), 404),
        ("/control/updates", .object(["update_id": .int(5), "message": .object([:])]), 400),
        ("/control/updates", .object(["telepathy": .object([:])]), 400),
        ("/control/users/1/messages?bot=12", .object(["text": "x"]), 404),
        // 2^63−1 once overflowed the chat's message counter and crashed the fake.
        ("/control/updates", .object(["message": .object(["message_id": .int(Int64.max), "date": .int(1),
                                                          "chat": .object(["id": .int(1), "type": "private"]), "text": "x"])]), 400),
    ])
    func badInput(path: String, body: JSONValue, status: Int) async throws {
        try await withFake { _, _, client in
            let answer = try await client.control(.POST, path, body)
            #expect(answer.status == status)
            #expect(answer.json["error"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("fault routes add and remove rules; the outage route toggles delivery failure")
    func faultRoutes() async throws {
        try await withFake { _, bot, client in
            let added = try await client.control(.POST, "/control/faults", .object(["match": .object(["method": "getMe"]), "respond": .object(["status": .int(500)])]))
            let id = try #require(added.json["id"]?.stringValue)
            #expect(try await client.call(bot.token, "getMe").status == 500)
            #expect(try await client.control(.DELETE, "/control/faults/\(id)").status == 200)
            #expect(try await client.control(.DELETE, "/control/faults/\(id)").status == 404)
            #expect(try await client.call(bot.token, "getMe").ok)
            _ = try await client.control(.POST, "/control/faults", .object(["respond": .object(["status": .int(500)])]))
            #expect(try await client.control(.DELETE, "/control/faults").status == 200)
            #expect(try await client.call(bot.token, "getMe").ok)
            #expect(try await client.control(.POST, "/control/webhook/outage", .object(["down": .bool(true)])).json["down"] == .bool(true))
        }
    }

    @Test("several bots are isolated: updates, chats, webhooks and faults; ?bot= picks one")
    func isolation() async throws {
        try await withFake { fake, first, client in
            let second = await fake.registerBot(username: "second_bot", firstName: "Second")
            try await fake.sendUserMessage(userID: 70, text: "to first")
            _ = try await client.control(.POST, "/control/users/70/messages?bot=\(second.id)", .object(["text": "to second"]))
            try await fake.addFault(TelegramFaultRule(respond: .init(status: 500)), bot: second.id)
            #expect(try await client.call(first.token, "getUpdates").result?.arrayValue?.first?["message"]?["text"]?.stringValue == "to first")
            #expect(try await client.call(second.token, "getUpdates").status == 500)
            try await fake.removeFaults(bot: second.id)
            #expect(try await client.call(second.token, "getUpdates").result?.arrayValue?.first?["message"]?["text"]?.stringValue == "to second")
            #expect(try await client.call(second.token, "getMe").result?["username"]?.stringValue == "second_bot")
            #expect(try await fake.calls(bot: second.id).count == 3)
        }
    }

    @Test("reset forgets updates, chats, webhooks, faults and the journal; bots and tokens stay")
    func reset() async throws {
        try await withFake { fake, bot, client in
            try await fake.sendUserMessage(userID: 80, text: "hi")
            _ = try await client.call(bot.token, "setWebhook", ["url": "https://example.com/hook"])
            try await fake.addFault(TelegramFaultRule(match: .init(method: "getUpdates"), respond: .init(status: 500)))
            #expect(try await client.control(.POST, "/control/reset").status == 200)
            #expect(try await client.call(bot.token, "getWebhookInfo").result?["url"]?.stringValue == "")
            #expect(try await client.call(bot.token, "getUpdates").result == .array([]))
            #expect(try await client.call(bot.token, "sendMessage", ["chat_id": .int(80), "text": "x"]).description == "Bad Request: chat not found")
            #expect(try await fake.calls().map(\.method) == ["getWebhookInfo", "getUpdates", "sendMessage"])
        }
    }
}
