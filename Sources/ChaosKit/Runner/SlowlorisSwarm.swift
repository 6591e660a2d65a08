import NIOCore
import NIOPosix
import Synchronization

/// The connections of a `slowloris` step: each sends the start of a request head, then one more
/// byte every `interval`, and never finishes it. A server with a head timeout closes them; one
/// without holds them forever. They run in the background until the server closes them or
/// `stop()` is called at the end of the scenario.
final class SlowlorisSwarm: Sendable {
    private let tasks: Mutex<[Task<Void, Never>]> = Mutex([])
    private let state = Mutex<(opened: Int, closedByServer: Int, failedToConnect: Int)>((0, 0, 0))
    let connections: Int

    /// Starts `step.connections` connections to `127.0.0.1:port`.
    init(step: SlowlorisStep, port: Int) {
        connections = step.connections
        let interval = step.interval
        let started = (0..<step.connections).map { index in
            Task { await self.trickle(port: port, index: index, interval: interval) }
        }
        tasks.withLock { $0 = started }
    }

    /// Connections the server has closed.
    var closedByServer: Int { state.withLock { $0.closedByServer } }
    /// A summary for the journal.
    var summary: String {
        state.withLock { "\($0.opened) of \(connections) opened, \($0.closedByServer) closed by the server, \($0.failedToConnect) refused" }
    }

    /// Whether every connection has ended: closed by the server, or refused at once (the server
    /// was at its connection cap).
    var allClosed: Bool {
        state.withLock { $0.closedByServer + $0.failedToConnect == connections }
    }

    /// Closes every connection still open.
    func stop() async {
        let running = tasks.withLock { $0 }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    private func trickle(port: Int, index: Int, interval: Duration) async {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            state.withLock { $0.failedToConnect += 1 }
            return
        }
        state.withLock { $0.opened += 1 }
        let closedByServer: Bool = await (try? channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Bool.self) { group in
                // Reading ends when the server closes the connection.
                group.addTask {
                    for try await _ in inbound {}
                    return true
                }
                group.addTask {
                    try await outbound.write(ByteBuffer(string: "POST /telegram/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-\(index): "))
                    while true {
                        try await Task.sleep(for: interval)
                        try await outbound.write(ByteBuffer(string: "x"))
                    }
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
        }) ?? !Task.isCancelled
        if closedByServer { state.withLock { $0.closedByServer += 1 } }
    }
}
