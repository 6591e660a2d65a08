/// Wakes one waiting service when there is new work (a row enqueued, a reply recorded), so that
/// workers sleep until rung instead of polling. Rings while nobody waits are coalesced into one.
public final class Doorbell: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    /// Creates a doorbell with no pending ring.
    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Signals new work. Never blocks.
    public func ring() {
        continuation.yield()
    }

    /// The rings, for the single service that waits on this doorbell. Iterate it once.
    public var rings: AsyncStream<Void> { stream }
}
