import AsyncHTTPClient
import FakeTelegram
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import MetroSupport

@Suite struct FaultTests {
    @Test("a status fault answers Telegram's envelope with parameters.retry_after, then stops after `times`")
    func statusFault() async throws {
        try await withFake { fake, bot, client in
            try await fake.addFault(TelegramFaultRule(match: .init(method: "getMe"), respond: .init(status: 429, retryAfter: 3), times: 1))
            let limited = try await client.call(bot.token, "getMe")
            #expect(limited.status == 429)
            #expect(limited.description == "Too Many Requests: retry after 3")
            #expect(limited.json["parameters"]?["retry_after"]?.intValue == 3)
            #expect(try await client.call(bot.token, "getMe").ok)
            let calls = try await fake.calls(method: "getMe")
            #expect(calls.map(\.status) == [429, 200])
        }
    }

    @Test("`after` lets the first requests through; a raw body replaces the envelope")
    func afterAndBody() async throws {
        try await withFake { fake, bot, client in
            try await fake.addFault(TelegramFaultRule(respond: .init(status: 502, body: "<html>Bad Gateway</html>"), after: 2))
            #expect(try await client.call(bot.token, "getMe").ok)
            #expect(try await client.call(bot.token, "getWebhookInfo").ok)
            let failed = try await client.call(bot.token, "getMe")
            #expect(failed.status == 502)
            #expect(failed.json == .string("<html>Bad Gateway</html>"))
        }
    }

    @Test("probability faults replay exactly for a seed")
    func seededProbability() async throws {
        @Sendable func pattern(seed: UInt64) async throws -> [Int] {
            try await withFake(.fast(seed: seed)) { fake, bot, client in
                try await fake.addFault(TelegramFaultRule(respond: .init(status: 500), probability: 0.5))
                var statuses: [Int] = []
                for _ in 0..<20 { statuses.append(try await client.call(bot.token, "getMe").status) }
                return statuses
            }
        }
        let first = try await pattern(seed: 7)
        #expect(first == (try await pattern(seed: 7)))
        #expect(first.contains(500) && first.contains(200))
    }

    @Test("a delay fault answers late but answers, and the journal has when the call arrived")
    func delay() async throws {
        try await withFake { fake, bot, client in
            try await fake.addFault(TelegramFaultRule(match: .init(method: "getMe"), delay: .milliseconds(300), times: 1))
            let started = ContinuousClock.now
            #expect(try await client.call(bot.token, "getMe").ok)
            let answered = Date()
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            // The delay lies between the arrival and the answer (recorded after the delay, `at`
            // was within a few milliseconds of the answer).
            let call = try #require(try await fake.calls(method: "getMe").last)
            #expect(answered.timeIntervalSince(call.at) >= 0.299, "at \(call.at), answered \(answered)")
        }
    }

    @Test("a timeout fault never answers: the client's deadline fires")
    func timeout() async throws {
        try await withFake { fake, bot, client in
            try await fake.addFault(TelegramFaultRule(match: .init(method: "getMe"), action: .timeout, times: 1))
            // Its own client, so that the abandoned connection cannot touch the shared pool.
            let own = HTTPClient(eventLoopGroupProvider: .singleton)
            await #expect(throws: (any Error).self) {
                let response = try await own.execute(
                    HTTPClientRequest(url: "\(fake.baseURL)/bot\(bot.token)/getMe"), deadline: .now() + .milliseconds(300))
                _ = try await response.body.collect(upTo: 1 << 20)
            }
            try await own.shutdown()
            // The client may give up before the fake has journaled the call: await it.
            #expect(try await eventually { try await fake.calls(method: "getMe").map(\.status) == [nil] })
            #expect(try await client.call(bot.token, "getMe").ok)
        }
    }

    @Test("reset and close faults drop the connection; garbage answers a body that is not JSON", arguments: [
        TelegramFaultRule.Action.reset, .close,
    ])
    func dropped(action: TelegramFaultRule.Action) async throws {
        try await withFake { fake, bot, client in
            try await fake.addFault(TelegramFaultRule(match: .init(method: "getMe"), action: action, times: 1))
            await #expect(throws: (any Error).self) {
                let answer = try await client.raw(.GET, "/bot\(bot.token)/getMe", timeout: .seconds(5))
                if answer.status == 200, answer.ok { return }
                throw CancellationError()
            }
            #expect(try await client.call(bot.token, "getMe").ok)
        }
    }

    @Test("a garbage fault answers 200 with a malformed body")
    func garbage() async throws {
        try await withFake { fake, bot, client in
            try await fake.addFault(TelegramFaultRule(action: .garbage, times: 1))
            let answer = try await client.call(bot.token, "getMe")
            #expect(answer.status == 200)
            #expect(answer.json["ok"] == nil)
        }
    }

    @Test("delivery faults make the bot's endpoint look down, then deliveries recover", arguments: [
        TelegramFaultRule(match: .init(method: "delivery"), respond: .init(status: 503), times: 2),
        TelegramFaultRule(match: .init(method: "delivery"), action: .reset, times: 2),
        TelegramFaultRule(match: .init(method: "delivery"), action: .timeout, times: 1),
    ])
    func deliveryFaults(rule: TelegramFaultRule) async throws {
        try await WebhookReceiver.withRunning { receiver in
            try await withFake { fake, bot, client in
                try await fake.addFault(rule)
                #expect(try await client.call(bot.token, "setWebhook", ["url": .string(receiver.url)]).ok)
                let injected = try await fake.sendUserMessage(userID: 61, text: "through")
                #expect(try await eventually { try await fake.updateState(updateID: injected.updateID)?.state == .confirmed })
                #expect(receiver.deliveries.count == 1)
                #expect(try await fake.updateState(updateID: injected.updateID)?.attempts == 1 + (rule.times ?? 0))
                #expect(try await client.call(bot.token, "getWebhookInfo").result?["last_error_message"] != nil)
            }
        }
    }

    @Test("invalid fault rules are refused with a reason")
    func invalid() async throws {
        try await withFake { fake, _, client in
            await #expect(throws: FakeTelegramError.self) { try await fake.addFault(TelegramFaultRule()) }
            let bad = try await client.control(.POST, "/control/faults", .object(["respond": .object(["status": .int(42)])]))
            #expect(bad.status == 400)
            #expect(bad.json["error"]?.stringValue?.contains("100-599") == true)
            let badDelay = try await client.control(.POST, "/control/faults", .object(["delay": "soon"]))
            #expect(badDelay.status == 400)
        }
    }

    @Test("a fault rule with an unknown key is refused with the key named, where it once matched every method",
          arguments: [
            (JSONValue.object(["match": .object(["operation": "append"]), "respond": .object(["status": .int(503)])]), "unknown key 'operation' in match; expected method"),
            (.object(["match": .object(["method": "getMe"]), "respond": .object(["status": .int(503), "retry-after": .int(1)])]), "unknown key 'retry-after' in respond"),
            (.object(["respond": .object(["status": .int(503)]), "count": .int(2)]), "unknown key 'count' in the fault rule"),
          ])
    func unknownKeys(rule: JSONValue, message: String) async throws {
        try await withFake { fake, bot, client in
            let refused = try await client.control(.POST, "/control/faults", rule)
            #expect(refused.status == 400)
            #expect(refused.json["error"]?.stringValue?.contains(message) == true, "\(refused.json)")
            #expect(try await client.call(bot.token, "getMe").status == 200, "no rule was installed")
            #expect(try await fake.removeFaults() == false, "no rule was installed")
        }
    }

    @Test("the Swift decoder refuses a match key the fake Telegram does not have, where it once matched every method")
    func unknownMatchKeyInSwift() throws {
        #expect(throws: FaultRuleError("unknown key 'operation' in match; expected method")) {
            try TelegramFaultRule(json: Data(#"{"match": {"operation": "append"}, "respond": {"status": 503}}"#.utf8))
        }
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(TelegramFaultRule.self, from: Data(#"{"match": {"operation": "append"}, "delay": "2s"}"#.utf8))
        }
    }
}
