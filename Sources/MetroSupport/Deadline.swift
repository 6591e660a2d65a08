import Synchronization

/// Runs `work` in a task of its own and answers its result, or `nil` when `limit` passes first.
///
/// When the limit passes, `work` is cancelled but not waited for. That is the point: a task group
/// with a timer child cannot return before every child has, so an operation that does not react
/// to cancellation (waiting for a connection pool that is backing off, a pool winding down) would
/// hold its caller for as long as it takes. Here it finishes in the background instead.
///
/// - Throws: What `work` throws, when it throws before the limit.
public func result<T: Sendable>(within limit: Duration,
                                of work: @escaping @Sendable () async throws -> T) async throws -> T? {
    let pending = PendingContinuation<T?>()
    return try await withCheckedThrowingContinuation { continuation in
        pending.set(continuation)
        let worker = Task {
            let outcome: Result<T?, any Error>
            do { outcome = .success(try await work()) } catch { outcome = .failure(error) }
            pending.take()?.resume(with: outcome)
        }
        Task {
            try? await Task.sleep(for: limit)
            guard let continuation = pending.take() else { return }
            worker.cancel()
            continuation.resume(returning: nil)
        }
    }
}

/// A continuation that whichever of two tasks comes first resumes, once.
private final class PendingContinuation<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    func take() -> CheckedContinuation<T, any Error>? {
        continuation.withLock { $0.take() }
    }
}
