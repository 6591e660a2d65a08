import Synchronization

/// Wakes the one task that waits for work (a row enqueued, a reply recorded, an update queued for
/// webhook delivery), so that it sleeps until rung instead of polling. Rings while nobody waits
/// are coalesced into one; ``close()`` ends the waiting for good.
public final class Doorbell: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let closed = Mutex(false)

    /// Creates a doorbell with no pending ring.
    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Signals new work. Never blocks.
    public func ring() {
        continuation.yield()
    }

    /// Ends ``rings``: the waiter stops, even if a ring is still pending.
    public func close() {
        closed.withLock { $0 = true }
        continuation.finish()
    }

    /// Whether ``close()`` was called; a waiter that wakes checks it before doing more work.
    public var isClosed: Bool { closed.withLock { $0 } }

    /// The rings, for the single task that waits on this doorbell. Iterate it once; it ends when
    /// the doorbell is closed or the iterating task is cancelled.
    public var rings: AsyncStream<Void> { stream }
}
