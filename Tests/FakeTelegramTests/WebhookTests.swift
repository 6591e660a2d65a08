import FakeTelegram
import Foundation
import NIOHTTP1
import Testing
import MetroSupport

@Suite struct WebhookTests {
    @Test("setWebhook validates the URL and secret token with Telegram's descriptions", arguments: [
        (["url": JSONValue.string("not a url")], "Bad Request: invalid webhook URL specified"),
        (["url": "http://example.com/hook"], "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"),
        (["url": "https://example.com:8080/hook"], "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"),
        (["url": "https://example.com/hook", "secret_token": .string(String(repeating: "a", count: 257))], "Bad Request: secret token is too long"),
        (["url": "https://example.com/hook", "secret_token": "abc+def"], "Bad Request: secret token contains unallowed characters"),
    ] as [([String: JSONValue], String)])
    func validation(params: [String: JSONValue], description: String) async throws {
        try await withFake { _, bot, client in
            let answer = try await client.call(bot.token, "setWebhook", params)
            #expect(answer.status == 400)
            #expect(answer.description == description)
        }
    }

    @Test("set, already set, info, delete, already deleted — with Telegram's descriptions and clamps")
    func lifecycle() async throws {
        try await withFake { _, bot, client in
            let params: [String: JSONValue] = ["url": "https://example.com:8443/hook", "secret_token": "s3cret_-", "max_connections": .int(500)]
            let set = try await client.call(bot.token, "setWebhook", params)
            #expect(set.result == .bool(true))
            #expect(set.description == "Webhook was set")
            #expect(try await client.call(bot.token, "setWebhook", params).description == "Webhook is already set")
            let info = try #require(try await client.call(bot.token, "getWebhookInfo").result)
            #expect(info["url"]?.stringValue == "https://example.com:8443/hook")
            #expect(info["has_custom_certificate"] == .bool(false))
            #expect(info["pending_update_count"]?.intValue == 0)
            #expect(info["max_connections"]?.intValue == 100)
            #expect(info["allowed_updates"] == nil)
            #expect(info["last_error_date"] == nil)
            let deleted = try await client.call(bot.token, "deleteWebhook")
            #expect(deleted.description == "Webhook was deleted")
            #expect(try await client.call(bot.token, "deleteWebhook").description == "Webhook is already deleted")
            #expect(try await client.call(bot.token, "getWebhookInfo").result?["url"]?.stringValue == "")
        }
    }

    @Test("a second setWebhook inside the limit's window gets 429 with the rest of the window as retry_after")
    func rateLimit() async throws {
        // A one-minute window instead of Telegram's second, so that a loaded machine cannot let
        // the second call arrive after the window; the arithmetic is the same.
        var configuration = FakeTelegram.Configuration.fast(rateLimit: true)
        configuration.setWebhookInterval = .seconds(60)
        try await withFake(configuration) { _, bot, client in
            #expect(try await client.call(bot.token, "setWebhook", ["url": "https://example.com/a"]).ok)
            let limited = try await client.call(bot.token, "setWebhook", ["url": "https://example.com/b"])
            #expect(limited.status == 429)
            let retryAfter = try #require(limited.json["parameters"]?["retry_after"]?.intValue)
            #expect((50...60).contains(retryAfter), "the rest of a 60 s window, rounded up")
            #expect(limited.description == "Too Many Requests: retry after \(retryAfter)")
            let info = try await client.call(bot.token, "getWebhookInfo")
            #expect(info.result?["url"]?.stringValue == "https://example.com/a", "the limited call changed nothing")
        }
    }

    @Test("updates are POSTed to the webhook with the secret header and confirmed by a 2xx")
    func delivery() async throws {
        try await WebhookReceiver.withRunning { receiver in
            try await withFake { fake, bot, client in
                #expect(try await client.call(bot.token, "setWebhook", ["url": .string(receiver.url), "secret_token": "top_secret"]).ok)
                let injected = try await fake.sendUserMessage(userID: 21, text: "/checkin")
                #expect(try await eventually { try await fake.updateState(updateID: injected.updateID)?.state == .confirmed })
                let delivery = try #require(receiver.deliveries.first)
                #expect(delivery.secret == "top_secret")
                #expect(delivery.update["update_id"]?.intValue == injected.updateID)
                #expect(delivery.update["message"]?["text"]?.stringValue == "/checkin")
                #expect(try await client.call(bot.token, "getWebhookInfo").result?["pending_update_count"]?.intValue == 0)
            }
        }
    }

    @Test("4xx, 5xx and timeouts are retried with growing delays until a 2xx; getWebhookInfo records the error")
    func retries() async throws {
        try await WebhookReceiver.withRunning { receiver in
            receiver.script([.init(status: 404), .init(status: 500), .init(status: 200, hold: .seconds(6)), .init(status: 200)])
            // Retries 100 ms then 200 ms apart, so that a loaded machine still sees the HTTP errors
            // recorded before the third attempt times out (2 s later) and replaces them. The
            // timeout leaves the other attempts, answered at once, seconds to spare under load.
            let configuration = FakeTelegram.Configuration(
                deliveryRetryBaseDelay: .milliseconds(100), deliveryRetryMaxDelay: .milliseconds(200),
                deliveryTimeout: .seconds(2), rateLimitSetWebhook: false)
            try await withFake(configuration) { fake, bot, client in
                #expect(try await client.call(bot.token, "setWebhook", ["url": .string(receiver.url)]).ok)
                let injected = try await fake.sendUserMessage(userID: 22, text: "retry me")
                let httpErrors = ["Wrong response from the webhook: 404 Not Found", "Wrong response from the webhook: 500 Internal Server Error"]
                #expect(try await eventually {
                    let info = try await client.call(bot.token, "getWebhookInfo").result
                    return httpErrors.contains(info?["last_error_message"]?.stringValue ?? "")
                        && info?["pending_update_count"]?.intValue == 1 && info?["last_error_date"] != nil
                })
                #expect(try await eventually { try await fake.updateState(updateID: injected.updateID)?.state == .confirmed })
                let status = try #require(try await fake.updateState(updateID: injected.updateID))
                #expect(status.attempts == 4)
                #expect(receiver.updateIDs == Array(repeating: injected.updateID, count: 4))
                let info = try await client.call(bot.token, "getWebhookInfo").result
                #expect(info?["pending_update_count"]?.intValue == 0)
                #expect(info?["last_error_message"]?.stringValue == "Read timeout expired")
                // A new setWebhook clears the error.
                #expect(try await client.call(bot.token, "setWebhook", ["url": .string(receiver.url), "max_connections": .int(5)]).ok)
                #expect(try await client.call(bot.token, "getWebhookInfo").result?["last_error_date"] == nil)
            }
        }
    }

    @Test("a Retry-After in the webhook's answer is honoured before the next attempt")
    func retryAfter() async throws {
        try await WebhookReceiver.withRunning { receiver in
            receiver.script([.init(status: 429, retryAfter: 1)])
            try await withFake { fake, bot, client in
                #expect(try await client.call(bot.token, "setWebhook", ["url": .string(receiver.url)]).ok)
                let started = ContinuousClock.now
                let injected = try await fake.sendUserMessage(userID: 23, text: "later")
                #expect(try await eventually { try await fake.updateState(updateID: injected.updateID)?.state == .confirmed })
                // Ordering, not timing: the retry could not have happened before the second the bot asked for.
                #expect(ContinuousClock.now - started >= .seconds(1))
                #expect(receiver.deliveries.count == 2)
            }
        }
    }

    @Test("within a chat updates arrive in order even when one fails; across chats they flow in parallel")
    func perChatOrdering() async throws {
        try await WebhookReceiver.withRunning { receiver in
            receiver.script([.init(status: 500), .init(status: 500)])
            try await withFake { fake, bot, client in
                #expect(try await client.call(bot.token, "setWebhook", ["url": .string(receiver.url), "max_connections": .int(4)]).ok)
                var byChat: [Int64: [Int64]] = [:]
                for round in 0..<3 {
                    for chat in [31, 32, 33] as [Int64] {
                        byChat[chat, default: []].append(try await fake.sendUserMessage(userID: chat, text: "r\(round)").updateID)
                    }
                }
                let all = byChat.values.flatMap { $0 }
                #expect(try await eventually {
                    var confirmed = true
                    for id in all where try await fake.updateState(updateID: id)?.state != .confirmed { confirmed = false }
                    return confirmed
                })
                let delivered = receiver.deliveries.compactMap { delivery -> (Int64, Int64)? in
                    guard let id = delivery.update["update_id"]?.intValue, let chat = delivery.update["message"]?["chat"]?["id"]?.intValue else { return nil }
                    return (chat, id)
                }
                for (chat, ids) in byChat {
                    var firstSeen: [Int64] = []
                    for (deliveredChat, id) in delivered where deliveredChat == chat && !firstSeen.contains(id) { firstSeen.append(id) }
                    #expect(firstSeen == ids, "chat \(chat)")
                }
            }
        }
    }

    @Test("a method call in a 2xx webhook answer is executed; getters in it are ignored")
    func webhookAnswerMethod() async throws {
        try await WebhookReceiver.withRunning { receiver in
            // The same answer three times: if a loaded machine makes an attempt miss the fast
            // configuration's 500 ms delivery timeout, the retry still carries the method call
            // (an answer that came too late is discarded, so it runs exactly once).
            let answer = WebhookReceiver.Reply(status: 200, body: #"{"method":"sendMessage","chat_id":41,"text":"answered in the webhook reply"}"#)
            receiver.script([answer, answer, answer])
            try await withFake { fake, bot, client in
                #expect(try await client.call(bot.token, "setWebhook", ["url": .string(receiver.url)]).ok)
                try await fake.sendUserMessage(userID: 41, text: "hello")
                #expect(try await eventually { try await fake.chatMessages(chatID: 41).map(\.text) == ["answered in the webhook reply"] })
            }
        }
    }

    @Test("during an outage updates stay pending; deleteWebhook returns them to getUpdates")
    func outageAndDelete() async throws {
        try await WebhookReceiver.withRunning { receiver in
            try await withFake { fake, bot, client in
                try await fake.setWebhookOutage(true)
                #expect(try await client.call(bot.token, "setWebhook", ["url": .string(receiver.url)]).ok)
                let injected = try await fake.sendUserMessage(userID: 51, text: "lost?")
                #expect(try await eventually {
                    try await client.call(bot.token, "getWebhookInfo").result?["last_error_message"]?.stringValue == "Connection refused"
                })
                #expect(receiver.deliveries.isEmpty)
                #expect(try await client.call(bot.token, "deleteWebhook").ok)
                let updates = try await client.call(bot.token, "getUpdates")
                #expect(updates.result?.arrayValue?.compactMap { $0["update_id"]?.intValue } == [injected.updateID])
            }
        }
    }

    @Test("drop_pending_updates drops queued updates")
    func dropPending() async throws {
        try await withFake { fake, bot, client in
            let injected = try await fake.sendUserMessage(userID: 52, text: "old")
            #expect(try await client.call(bot.token, "deleteWebhook", ["drop_pending_updates": .bool(true)]).ok)
            #expect(try await fake.updateState(updateID: injected.updateID)?.state == .dropped)
            #expect(try await client.call(bot.token, "getUpdates").result == .array([]))
        }
    }
}
