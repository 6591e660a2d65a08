import MetroSupport
import Synchronization
import Testing

@Suite struct DeadlineTests {
    /// A gate the work waits at without reacting to cancellation, as a pool's connection request
    /// may; opened by the test.
    final class Gate: Sendable {
        private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let opened = Mutex(false)

        func wait() async {
            await withCheckedContinuation { continuation in
                let openAlready = opened.withLock { opened in
                    if !opened { waiter.withLock { $0 = continuation } }
                    return opened
                }
                if openAlready { continuation.resume() }
            }
        }

        func open() {
            let waiting = opened.withLock { opened in
                opened = true
                return waiter.withLock { $0.take() }
            }
            waiting?.resume()
        }
    }

    @Test("work that finishes in time gives its value, and its error")
    func inTime() async throws {
        #expect(try await result(within: .seconds(60)) { 42 } == 42)
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await result(within: .seconds(60)) { () throws -> Int in throw Failure() } }
    }

    @Test("past the limit the caller gets nil without waiting for work that ignores cancellation")
    func pastTheLimit() async throws {
        let gate = Gate()
        let finished = Mutex(false)
        let answer = try await result(within: .milliseconds(50)) {
            await gate.wait()
            finished.withLock { $0 = true }
            return 1
        }
        #expect(answer == nil)
        // The work is still held at the gate: the caller did not wait for it.
        #expect(finished.withLock { $0 } == false)
        gate.open()
    }
}
