import ServiceLifecycle

/// `POST /shutdown` as a service of the group: the endpoint calls `request()`, and `run()`
/// returns. The group runs this service with `successTerminationBehavior:
/// .gracefullyShutdownGroup`, so its return shuts the group down gracefully, exactly as SIGTERM
/// does; a shutdown that begins for another reason ends it too.
public struct ShutdownRequests: Service {
    private let requests: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    /// Creates the service; nothing is requested yet.
    public init() {
        (requests, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a graceful shutdown; returns at once.
    public func request() {
        continuation.yield()
    }

    /// Returns at the first request, or when the group shuts down for another reason.
    public func run() async {
        for await _ in requests.cancelOnGracefulShutdown() { return }
    }
}
