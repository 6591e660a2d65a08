@testable import Bot
import Testing
import MetroSupport

@Suite struct BackoffTests {
    @Test("the ceiling doubles per attempt from the base and stops at the maximum",
          arguments: [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (40, 1000), (Int.max, 1000)])
    func ceilingGrowsExponentially(attempt: Int, expectedMilliseconds: Int) {
        let backoff = Backoff(base: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.ceiling(forAttempt: attempt) == .milliseconds(expectedMilliseconds))
    }

    @Test("attempts below 1 count as the first attempt")
    func attemptsBelowOneCountAsFirst() {
        let backoff = Backoff(base: .milliseconds(250), maximum: .seconds(10))
        #expect(backoff.ceiling(forAttempt: 0) == .milliseconds(250))
        #expect(backoff.ceiling(forAttempt: -3) == .milliseconds(250))
    }

    @Test("a custom multiplier grows the ceiling by that factor")
    func customMultiplier() {
        let backoff = Backoff(base: .seconds(1), multiplier: 3, maximum: .seconds(60))
        #expect(backoff.ceiling(forAttempt: 3) == .seconds(9))
        #expect(backoff.ceiling(forAttempt: 5) == .seconds(60))
    }

    @Test("invalid settings are clamped: a maximum below the base, a multiplier below 1, a negative base")
    func invalidSettingsClamped() {
        #expect(Backoff(base: .seconds(2), maximum: .seconds(1)).ceiling(forAttempt: 3) == .seconds(2))
        #expect(Backoff(base: .seconds(1), multiplier: 0.5, maximum: .seconds(10)).ceiling(forAttempt: 4) == .seconds(1))
        #expect(Backoff(base: .seconds(-1), maximum: .seconds(10)).ceiling(forAttempt: 4) == .zero)
    }

    @Test("delays stay within 0…ceiling and spread over the whole range (full jitter)")
    func delaysAreFullJitter() {
        let backoff = Backoff(base: .milliseconds(100), maximum: .seconds(5))
        var generator = SeededGenerator(seed: 42)
        for attempt in 1...6 {
            let ceiling = backoff.ceiling(forAttempt: attempt)
            let delays = (0..<400).map { _ in backoff.delay(forAttempt: attempt, using: &generator) }
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= ceiling })
            // Full jitter, not "ceiling/2 + jitter": some delays fall in the lowest and the highest tenth.
            #expect(delays.contains { $0 < ceiling / 10 })
            #expect(delays.contains { $0 > ceiling * 9 / 10 })
        }
    }

    @Test("the same seed gives the same delays; another seed different ones")
    func seededDelaysAreReproducible() {
        let backoff = Backoff(base: .seconds(1), maximum: .seconds(30))
        func delays(seed: UInt64) -> [Duration] {
            var generator = SeededGenerator(seed: seed)
            return (1...8).map { backoff.delay(forAttempt: $0, using: &generator) }
        }
        #expect(delays(seed: 7) == delays(seed: 7))
        #expect(delays(seed: 7) != delays(seed: 8))
    }

    @Test("a zero base gives zero delays")
    func zeroBase() {
        var generator = SeededGenerator(seed: 1)
        #expect(Backoff(base: .zero, maximum: .zero).delay(forAttempt: 3, using: &generator) == .zero)
    }
}
