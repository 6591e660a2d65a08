import FakeTelegram
import Foundation
import NIOHTTP1
import Testing
import MetroSupport

@Suite struct EnvelopeTests {
    @Test("getMe answers the bot as a complete User in the ok envelope")
    func getMe() async throws {
        try await withFake { _, bot, client in
            let answer = try await client.call(bot.token, "getMe")
            #expect(answer.status == 200)
            #expect(answer.ok)
            let user = try #require(answer.result)
            #expect(user["id"]?.intValue == bot.id)
            #expect(user["is_bot"] == .bool(true))
            #expect(user["username"]?.stringValue == bot.username)
            #expect(user["first_name"]?.stringValue == "Metropolitan")
            #expect(user["can_join_groups"] != nil)
            #expect(answer.json["description"] == nil)
        }
    }

    @Test("tokens look like BotFather's: <id>:<35 URL-safe characters>")
    func tokenShape() async throws {
        try await withFake { fake, bot, _ in
            let parts = bot.token.split(separator: ":")
            #expect(parts.count == 2)
            #expect(Int64(parts[0]) == bot.id)
            #expect(parts[1].count == 35)
            #expect(parts[1].allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
            let other = await fake.registerBot(username: "other_bot")
            #expect(other.id != bot.id)
            #expect(other.token != bot.token)
        }
    }

    @Test("an unknown or malformed token answers 401 with Telegram's description", arguments: [
        "123:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "garbage", "",
    ])
    func unauthorized(token: String) async throws {
        try await withFake { _, _, client in
            let answer = try await client.call(token, "getMe")
            #expect(answer.status == 401)
            #expect(answer.json["ok"] == .bool(false))
            #expect(answer.errorCode == 401)
            #expect(answer.description == "Unauthorized: invalid token specified")
            #expect(answer.json["parameters"] == nil)
        }
    }

    @Test("an unknown method answers 404 'Not Found: method not found'; names are case-insensitive")
    func methods() async throws {
        try await withFake { _, bot, client in
            let unknown = try await client.call(bot.token, "sendTelepathy")
            #expect(unknown.status == 404)
            #expect(unknown.description == "Not Found: method not found")
            let lower = try await client.call(bot.token, "getme")
            #expect(lower.ok)
            let upper = try await client.raw(.GET, "/bot\(bot.token)/GETME")
            #expect(upper.ok)
        }
    }

    @Test("parameters arrive by GET query, urlencoded form, multipart form and JSON alike")
    func bodyForms() async throws {
        try await withFake { fake, bot, client in
            try await fake.sendUserMessage(userID: 42, text: "hi")
            let markup = #"{"keyboard":[["Check in"]]}"#
            let query = try await client.raw(.GET, "/bot\(bot.token)/sendMessage?chat_id=42&text=from%20query")
            #expect(query.result?["text"]?.stringValue == "from query")
            let form = try await client.raw(
                .POST, "/bot\(bot.token)/sendMessage",
                body: Data("chat_id=42&text=from+form&reply_markup=\(markup.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)".utf8),
                contentType: "application/x-www-form-urlencoded")
            #expect(form.result?["text"]?.stringValue == "from form")
            let boundary = "XyZ123"
            let multipart = [
                "--\(boundary)\r\nContent-Disposition: form-data; filename=\"x.txt\"; name=\"chat_id\"\r\n\r\n42\r\n",
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nfrom multipart\r\n",
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"reply_markup\"\r\n\r\n\(markup)\r\n",
                "--\(boundary)--\r\n",
            ].joined()
            let parted = try await client.raw(
                .POST, "/bot\(bot.token)/sendMessage", body: Data(multipart.utf8),
                contentType: "multipart/form-data; boundary=\(boundary)")
            #expect(parted.result?["text"]?.stringValue == "from multipart")
            let json = try await client.call(bot.token, "sendMessage", ["chat_id": .int(42), "text": "from json"])
            #expect(json.result?["text"]?.stringValue == "from json")
            let transcript = try await fake.chatMessages(chatID: 42)
            #expect(transcript.map(\.text) == ["from query", "from form", "from multipart", "from json"])
            #expect(transcript[1].replyMarkup == JSONValue.parse(markup))
            #expect(transcript[2].replyMarkup == JSONValue.parse(markup))
        }
    }

    @Test("malformed bodies answer 400 and the fake keeps serving", arguments: [
        ("application/json", "{not json"), ("application/json", "[1,2]"),
        ("multipart/form-data; boundary=abc", "--abc\r\nno headers"), ("multipart/form-data", "x"),
        ("text/plain", "hello"),
    ])
    func malformed(contentType: String, body: String) async throws {
        try await withFake { _, bot, client in
            let answer = try await client.raw(.POST, "/bot\(bot.token)/getMe", body: Data(body.utf8), contentType: contentType)
            #expect(answer.status == 400)
            #expect(answer.description?.hasPrefix("Bad Request: ") == true)
            #expect(try await client.call(bot.token, "getMe").ok)
        }
    }

    @Test("a body over 1 MiB answers 413")
    func tooLarge() async throws {
        try await withFake { _, bot, client in
            let body = Data(repeating: UInt8(ascii: "a"), count: (1 << 20) + 10)
            let answer = try await client.raw(.POST, "/bot\(bot.token)/getMe", body: body, contentType: "application/x-www-form-urlencoded")
            #expect(answer.status == 413)
            #expect(try await client.call(bot.token, "getMe").ok)
        }
    }
}
