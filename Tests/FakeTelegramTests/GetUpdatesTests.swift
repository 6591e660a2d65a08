import FakeTelegram
import Foundation
import NIOHTTP1
import Testing
import MetroSupport

@Suite struct GetUpdatesTests {
    @Test("updates come back in order; a positive offset confirms and deletes earlier ones")
    func offsetConfirms() async throws {
        try await withFake { fake, bot, client in
            let first = try await fake.sendUserMessage(userID: 7, text: "/start", firstName: "Ana", username: "ana")
            let second = try await fake.sendUserMessage(userID: 7, text: "hello")
            #expect(second.updateID == first.updateID + 1)
            let all = try await client.call(bot.token, "getUpdates")
            let updates = try #require(all.result?.arrayValue)
            #expect(updates.map { $0["update_id"]?.intValue } == [first.updateID, second.updateID])
            let message = try #require(updates[0]["message"])
            #expect(message["chat"]?["id"]?.intValue == 7)
            #expect(message["chat"]?["type"]?.stringValue == "private")
            #expect(message["from"]?["username"]?.stringValue == "ana")
            #expect(message["date"]?.intValue ?? 0 > 1_700_000_000)
            #expect(message["entities"]?.arrayValue?.first?["type"]?.stringValue == "bot_command")
            #expect(message["entities"]?.arrayValue?.first?["length"]?.intValue == 6)
            #expect(updates[1]["message"]?["message_id"]?.intValue == (message["message_id"]?.intValue ?? 0) + 1)
            #expect(try await fake.updateState(updateID: first.updateID)?.state == .delivered)
            let rest = try await client.call(bot.token, "getUpdates", ["offset": .int(second.updateID)])
            #expect(rest.result?.arrayValue?.count == 1)
            #expect(try await fake.updateState(updateID: first.updateID)?.state == .confirmed)
            let none = try await client.call(bot.token, "getUpdates", ["offset": .int(second.updateID + 1)])
            #expect(none.result == .array([]))
            #expect(try await fake.updateState(updateID: second.updateID)?.state == .confirmed)
        }
    }

    @Test("a negative offset keeps only the last |offset| updates; limit is clamped to 1-100")
    func negativeOffsetAndLimit() async throws {
        try await withFake { fake, bot, client in
            var ids: [Int64] = []
            for index in 0..<5 { ids.append(try await fake.sendUserMessage(userID: 9, text: "m\(index)").updateID) }
            let limited = try await client.call(bot.token, "getUpdates", ["limit": .int(2)])
            #expect(limited.result?.arrayValue?.count == 2)
            let clamped = try await client.call(bot.token, "getUpdates", ["limit": .int(0)])
            #expect(clamped.result?.arrayValue?.count == 1)
            let last = try await client.call(bot.token, "getUpdates", ["offset": .int(-2)])
            #expect(last.result?.arrayValue?.compactMap { $0["update_id"]?.intValue } == Array(ids.suffix(2)))
            #expect(try await fake.updateState(updateID: ids[0])?.state == .dropped)
            let again = try await client.call(bot.token, "getUpdates")
            #expect(again.result?.arrayValue?.count == 2)
        }
    }

    @Test("a long poll waits and is woken by an injected update")
    func longPollWakes() async throws {
        try await withFake { fake, bot, client in
            async let poll = client.call(bot.token, "getUpdates", ["timeout": .int(30)])
            #expect(try await eventually { try await fake.hasOpenLongPoll() })
            let injected = try await fake.sendUserMessage(userID: 5, text: "wake up")
            let answer = try await poll
            #expect(answer.result?.arrayValue?.first?["update_id"]?.intValue == injected.updateID)
        }
    }

    @Test("a long poll with nothing to deliver answers [] after its timeout")
    func longPollTimesOut() async throws {
        try await withFake { _, bot, client in
            let answer = try await client.call(bot.token, "getUpdates", ["timeout": .int(1)])
            #expect(answer.ok)
            #expect(answer.result == .array([]))
        }
    }

    @Test("a second getUpdates ends the first with 409 'terminated by other getUpdates request'")
    func competingPolls() async throws {
        try await withFake { fake, bot, client in
            async let first = client.call(bot.token, "getUpdates", ["timeout": .int(30)])
            #expect(try await eventually { try await fake.hasOpenLongPoll() })
            async let second = client.call(bot.token, "getUpdates", ["timeout": .int(30)])
            let ended = try await first
            #expect(ended.status == 409)
            #expect(ended.description == "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
            try await fake.sendUserMessage(userID: 3, text: "for the second")
            #expect(try await second.result?.arrayValue?.count == 1)
        }
    }

    @Test("setWebhook ends an open long poll with 409 'terminated by setWebhook request'; getUpdates then answers 409")
    func setWebhookEndsPoll() async throws {
        try await withFake { fake, bot, client in
            async let poll = client.call(bot.token, "getUpdates", ["timeout": .int(30)])
            #expect(try await eventually { try await fake.hasOpenLongPoll() })
            let set = try await client.call(bot.token, "setWebhook", ["url": "http://127.0.0.1:9/hook"])
            #expect(set.result == .bool(true))
            let ended = try await poll
            #expect(ended.status == 409)
            #expect(ended.description == "Conflict: terminated by setWebhook request")
            let refused = try await client.call(bot.token, "getUpdates")
            #expect(refused.status == 409)
            #expect(refused.description == "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        }
    }

    @Test("allowed_updates applies when updates are queued, not when read")
    func allowedUpdates() async throws {
        try await withFake { fake, bot, client in
            _ = try await client.call(bot.token, "getUpdates", ["allowed_updates": .array(["callback_query"])])
            let filtered = try await fake.sendUserMessage(userID: 4, text: "ignored")
            #expect(try await fake.updateState(updateID: filtered.updateID)?.state == .dropped)
            _ = try await client.call(bot.token, "getUpdates", ["allowed_updates": .array([])])
            let kept = try await fake.sendUserMessage(userID: 4, text: "kept")
            let answer = try await client.call(bot.token, "getUpdates")
            #expect(answer.result?.arrayValue?.compactMap { $0["update_id"]?.intValue } == [kept.updateID])
            let member = try await fake.injectUpdate(json: #"{"chat_member": {"chat": {"id": 4, "type": "private"}, "from": {"id": 4, "is_bot": false, "first_name": "A"}}}"#)
            #expect(try await fake.updateState(updateID: member.updateID)?.state == .dropped)
        }
    }
}
