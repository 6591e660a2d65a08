import Synchronization
import MetroSupport

/// Lets requests held by `delay` / `timeout` faults wait for their time or for the fake to shut
/// down, whichever comes first — so a held request never outlives its server.
final class ShutdownSignal: Sendable {
    private struct State {
        var fired = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
    }
    private let state = Mutex(State())

    var isFired: Bool { state.withLock { $0.fired } }

    /// Releases every waiter, now and later.
    func fire() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.fired = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once `fire()` was called or the task is cancelled.
    func wait() async {
        let id = state.withLock { s -> Int in s.nextID += 1; return s.nextID }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.fired || Task.isCancelled { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Waits `duration` (or forever when `nil`), returning early when the fake shuts down.
    /// - Returns: `true` when the wait ended because of shutdown.
    func hold(for duration: Duration?) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.wait()
                return true
            }
            if let duration {
                group.addTask {
                    try? await Task.sleep(for: duration)
                    return false
                }
            }
            let first = await group.next() ?? true
            group.cancelAll()
            return first
        }
    }
}
