import AsyncHTTPClient
import Bot
import FakeTelegram
import Foundation
import Logging
import Testing
import MetroSupport

@Suite("Webhook setup against the fake Telegram")
struct WebhookSetupTests {
    private static func withClient(
        _ body: @Sendable (FakeTelegram, TelegramClient) async throws -> Void
    ) async throws {
        try await FakeTelegram.withRunning(.init(rateLimitSetWebhook: false)) { fake in
            let bot = await fake.registerBot()
            let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
            let client = TelegramClient(token: bot.token, baseURL: fake.baseURL, httpClient: httpClient,
                                        timeout: .seconds(60), logger: Logger(label: "setup-test"))
            do {
                try await body(fake, client)
            } catch {
                try? await httpClient.shutdown()
                throw error
            }
            try await httpClient.shutdown()
        }
    }

    private static let setup = WebhookSetup(
        url: "http://127.0.0.1:9/telegram/webhook", secretToken: "secret_1", allowedUpdates: ["message"],
        attempts: 3, backoff: Backoff(base: .milliseconds(100), maximum: .seconds(5)))

    @Test("two failures, then success: the waits are the seeded full-jitter delays under doubling ceilings")
    func retriesWithJitteredBackoff() async throws {
        try await Self.withClient { fake, client in
            _ = try await fake.addFault(.failing("setWebhook", status: 502, times: 2))
            var jitter = JitterSource(seed: 7)
            var attempts: [WebhookSetup.Attempt] = []
            try await Self.setup.register(with: client, using: &jitter) { attempts.append($0) }

            var expected = JitterSource(seed: 7)
            let backoff = Backoff(base: .milliseconds(100), maximum: .seconds(5))
            let first = backoff.delay(forAttempt: 1, using: &expected)
            let second = backoff.delay(forAttempt: 2, using: &expected)
            #expect(attempts.map(\.number) == [1, 2, 3])
            #expect(attempts.map(\.nextDelay) == [first, second, nil])
            #expect(attempts.last?.error == nil)
            #expect(backoff.ceiling(forAttempt: 2) == backoff.ceiling(forAttempt: 1) * 2)

            let calls = try await fake.calls(method: "setWebhook")
            #expect(calls.map(\.status) == [502, 502, 200])
            // Lower bounds only: the bot waited at least the drawn delays.
            #expect(calls[1].at.timeIntervalSince(calls[0].at) >= Self.seconds(first) - 0.002)
            #expect(calls[2].at.timeIntervalSince(calls[1].at) >= Self.seconds(second) - 0.002)
            #expect(calls[2].params["secret_token"] == .string("secret_1"))
        }
    }

    @Test("429 waits at least retry_after before the next try")
    func honoursRetryAfter() async throws {
        try await Self.withClient { fake, client in
            _ = try await fake.addFault(.failing("setWebhook", status: 429, times: 1, retryAfter: 1))
            var jitter = JitterSource(seed: 1)
            var attempts: [WebhookSetup.Attempt] = []
            try await Self.setup.register(with: client, using: &jitter) { attempts.append($0) }
            #expect(attempts.count == 2)
            #expect((attempts.first?.nextDelay ?? .zero) >= .seconds(1), "first attempt: \(String(describing: attempts.first))")
            let calls = try await fake.calls(method: "setWebhook")
            #expect(calls.count == 2)
            #expect(calls[1].at.timeIntervalSince(calls[0].at) >= 0.99)
        }
    }

    @Test("every try failing throws the last error after exactly WEBHOOK_SETUP_ATTEMPTS tries; 400 is not retried")
    func givesUp() async throws {
        try await Self.withClient { fake, client in
            _ = try await fake.addFault(.failing("setWebhook", status: 503))
            var jitter = JitterSource(seed: 3)
            await #expect(throws: TelegramError.self) { try await Self.setup.register(with: client, using: &jitter) }
            #expect(try await fake.calls(method: "setWebhook").count == 3)

            _ = try await fake.removeFaults()
            let badURL = WebhookSetup(url: "ftp://nowhere", secretToken: "secret_1", allowedUpdates: [], attempts: 3,
                                      backoff: Backoff(base: .milliseconds(10), maximum: .seconds(1)))
            await #expect(throws: TelegramError.self) { try await badURL.register(with: client, using: &jitter) }
            #expect(try await fake.calls(method: "setWebhook").count == 4, "a 400 is final: one try")
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
