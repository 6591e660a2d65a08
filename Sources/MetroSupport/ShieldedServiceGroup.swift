import Logging
import ServiceLifecycle

/// A service group that its caller's cancellation cannot reach: it stops only gracefully.
///
/// Cancelling a Hummingbird server while it holds a connection that it has accepted but not yet
/// handed to a handler traps inside NIO ("Deinited NIOAsyncWriter without calling finish()",
/// apple/swift-nio#2813): the cancelled accept loop drops the connection unserved. A graceful
/// shutdown closes the listening socket first and serves every connection already accepted. The
/// fakes run their servers in one of these, so that Ctrl-C in `chaos`, which cancels the tasks
/// that started them, still stops them gracefully.
public final class ShieldedServiceGroup: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Starts `services` at once.
    /// - Parameters:
    ///   - whenEnded: called once the group has ended, however it ended (a server that cannot
    ///     bind ends it at once), so that a caller waiting for it to listen stops waiting.
    public init(services: [any Service], logger: Logger, whenEnded: @escaping @Sendable () -> Void = {}) {
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [], logger: logger))
        self.group = group
        // Unstructured on purpose: a child task would inherit the caller's cancellation.
        self.task = Task {
            defer { whenEnded() }
            try await group.run()
        }
    }

    /// Shuts the services down gracefully and waits until they have stopped. A request to stop
    /// before the services started is remembered, so this also ends a group still starting.
    /// - Throws: the error a service ended with.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
