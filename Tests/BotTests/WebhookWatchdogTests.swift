import Testing

@testable import Bot

@Suite("Webhook watchdog verdicts")
struct WebhookWatchdogTests {
    private static let previous = WebhookWatchdog.Observation(checkedAt: 1_000, pendingUpdateCount: 2)

    @Test(
        "failing only when an error since the last check left updates pending, or pending keeps growing",
        arguments: [
            // (last_error_date, pending now, previous, failing)
            (nil, 0, previous, false),
            (nil, 2, previous, false),  // steady backlog being worked off
            (nil, 3, previous, true),  // growing backlog
            (nil, 5, WebhookWatchdog.Observation(checkedAt: 1_000, pendingUpdateCount: 0), false),  // first sighting
            (1_010, 1, previous, true),  // new error, update still pending
            (1_010, 0, previous, false),  // new error, but Telegram's retry delivered it
            (990, 1, previous, false),  // old error from before the last check
            (1_000, 1, nil, false),  // no previous check: 'since' is now (1_001), the error is older
        ] as [(Int64?, Int, WebhookWatchdog.Observation?, Bool)]
    )
    func verdicts(lastErrorDate: Int64?, pending: Int, previous: WebhookWatchdog.Observation?, failing: Bool) {
        let info = WebhookInfo(url: "https://bot.example/telegram/webhook", pendingUpdateCount: pending,
                               lastErrorDate: lastErrorDate, lastErrorMessage: lastErrorDate == nil ? nil : "Connection refused")
        let verdict = WebhookWatchdog().failure(of: info, now: 1_001, previous: previous)
        #expect((verdict != nil) == failing, "\(verdict ?? "healthy")")
    }

    @Test("the verdict says why")
    func reasons() throws {
        let watchdog = WebhookWatchdog()
        let error = try #require(watchdog.failure(
            of: WebhookInfo(url: "u", pendingUpdateCount: 4, lastErrorDate: 1_005, lastErrorMessage: "Wrong response from the webhook: 502 Bad Gateway"),
            now: 1_006, previous: Self.previous))
        #expect(error.contains("502 Bad Gateway") && error.contains("4 update(s) pending"))
        let growth = try #require(watchdog.failure(of: WebhookInfo(url: "u", pendingUpdateCount: 9), now: 1_006, previous: Self.previous))
        #expect(growth == "pending updates grew from 2 to 9")
    }
}

@Suite("Jitter source")
struct JitterSourceTests {
    @Test("a seed reproduces the same sequence; different seeds differ")
    func seeded() {
        var first = JitterSource(seed: 42)
        var second = JitterSource(seed: 42)
        var other = JitterSource(seed: 43)
        let a = (0..<8).map { _ in first.next() }
        let b = (0..<8).map { _ in second.next() }
        let c = (0..<8).map { _ in other.next() }
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a).count == 8)
    }
}
