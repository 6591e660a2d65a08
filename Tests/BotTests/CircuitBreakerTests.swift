@testable import Bot
import Foundation
import Synchronization
import Testing

/// A clock the test moves by hand.
private final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private let start = ContinuousClock.now
    private var offset: Duration = .zero

    func now() -> ContinuousClock.Instant {
        lock.lock(); defer { lock.unlock() }
        return start + offset
    }

    func advance(by duration: Duration) {
        lock.lock(); defer { lock.unlock() }
        offset += duration
    }
}

private struct Unavailable: Error {}
private struct CallerMistake: Error {}

@Suite struct CircuitBreakerTests {
    private func makeBreaker(threshold: Int = 3, coolDown: Duration = .seconds(30)) -> (CircuitBreaker, ManualClock) {
        let clock = ManualClock()
        return (CircuitBreaker(failureThreshold: threshold, coolDown: coolDown, now: { clock.now() }), clock)
    }

    @Test("every change of state is reported once, for the event journal: open, half open, closed")
    func reportsTransitions() async {
        let clock = ManualClock()
        let seen = Mutex<[String]>([])
        let breaker = CircuitBreaker(failureThreshold: 2, coolDown: .seconds(30), now: { clock.now() },
                                     onTransition: { from, to in seen.withLock { $0.append("\(from.rawValue)→\(to.rawValue)") } })
        await breaker.recordFailure()
        await breaker.recordFailure()
        await breaker.recordFailure()  // already open: no second report
        clock.advance(by: .seconds(31))
        #expect(await breaker.tryAcquire())
        await breaker.recordSuccess()
        #expect(seen.withLock { $0 } == ["closed→open", "open→half_open", "half_open→closed"])
    }

    @Test("stays closed below the threshold and opens at the Nth consecutive failure")
    func opensAfterThreshold() async {
        let (breaker, _) = makeBreaker(threshold: 3)
        await breaker.recordFailure()
        await breaker.recordFailure()
        #expect(await breaker.state() == .closed)
        #expect(await breaker.tryAcquire())
        await breaker.recordFailure()
        #expect(await breaker.state() == .open)
        #expect(await breaker.tryAcquire() == false)
    }

    @Test("a success resets the count of consecutive failures")
    func successResetsCount() async {
        let (breaker, _) = makeBreaker(threshold: 3)
        await breaker.recordFailure()
        await breaker.recordFailure()
        await breaker.recordSuccess()
        #expect(await breaker.failureCount() == 0)
        await breaker.recordFailure()
        await breaker.recordFailure()
        #expect(await breaker.state() == .closed)
    }

    @Test("after the cool-down it is half open and lets exactly one probe through")
    func halfOpenAllowsOneProbe() async {
        let (breaker, clock) = makeBreaker(threshold: 1, coolDown: .seconds(30))
        await breaker.recordFailure()
        clock.advance(by: .seconds(29))
        #expect(await breaker.state() == .open)
        #expect(await breaker.remainingCoolDown() == .seconds(1))
        clock.advance(by: .seconds(1))
        #expect(await breaker.state() == .halfOpen)
        #expect(await breaker.tryAcquire())
        #expect(await breaker.tryAcquire() == false)
    }

    @Test("a successful probe closes the circuit; a failed probe reopens it for another cool-down")
    func probeOutcome() async {
        let (breaker, clock) = makeBreaker(threshold: 2, coolDown: .seconds(10))
        await breaker.recordFailure()
        await breaker.recordFailure()
        clock.advance(by: .seconds(10))
        #expect(await breaker.tryAcquire())
        await breaker.recordFailure()
        #expect(await breaker.state() == .open)
        #expect(await breaker.remainingCoolDown() == .seconds(10))
        clock.advance(by: .seconds(10))
        #expect(await breaker.tryAcquire())
        await breaker.recordSuccess()
        #expect(await breaker.state() == .closed)
        #expect(await breaker.tryAcquire())
    }

    @Test("run refuses without calling the operation while open, and reports the remaining cool-down")
    func runRefusesWhileOpen() async throws {
        let (breaker, clock) = makeBreaker(threshold: 2, coolDown: .seconds(20))
        for _ in 0..<2 {
            await #expect(throws: Unavailable.self) { try await breaker.run { throw Unavailable() } }
        }
        clock.advance(by: .seconds(5))
        let calls = ManualCounter()
        let error = await #expect(throws: CircuitOpenError.self) {
            try await breaker.run { calls.increment(); return 1 }
        }
        #expect(error == CircuitOpenError(state: .open, retryAfter: .seconds(15)))
        #expect(calls.value == 0)
        clock.advance(by: .seconds(15))
        #expect(try await breaker.run { calls.increment(); return 7 } == 7)
        #expect(calls.value == 1)
        #expect(await breaker.state() == .closed)
    }

    @Test("errors that do not count as failures and cancellation leave the count alone")
    func uncountedErrors() async {
        let (breaker, _) = makeBreaker(threshold: 1)
        await #expect(throws: CallerMistake.self) {
            try await breaker.run(countsAsFailure: { !($0 is CallerMistake) }) { throw CallerMistake() }
        }
        await #expect(throws: CancellationError.self) {
            try await breaker.run { throw CancellationError() }
        }
        #expect(await breaker.state() == .closed)
        #expect(await breaker.failureCount() == 0)
    }

    @Test("a probe abandoned by cancellation frees the slot for the next probe")
    func abandonedProbeFreesSlot() async {
        let (breaker, clock) = makeBreaker(threshold: 1, coolDown: .seconds(1))
        await breaker.recordFailure()
        clock.advance(by: .seconds(1))
        await #expect(throws: CancellationError.self) {
            try await breaker.run { throw CancellationError() }
        }
        #expect(await breaker.state() == .halfOpen)
        #expect(await breaker.tryAcquire())
    }

    @Test("state raw values are what /health shows", arguments: [
        (CircuitBreaker.State.closed, "closed"), (.open, "open"), (.halfOpen, "half_open"),
    ])
    func rawValues(state: CircuitBreaker.State, shown: String) {
        #expect(state.rawValue == shown)
    }
}

private final class ManualCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func increment() { lock.lock(); count += 1; lock.unlock() }
}
