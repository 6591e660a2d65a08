import Dispatch
import Foundation

/// Waiting for Ctrl-C (SIGINT) or SIGTERM in a standalone run.
enum SignalWait {
    static func untilInterrupted() async {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        await withTaskCancellationHandler {
            var iterator = signals.makeAsyncIterator()
            _ = await iterator.next()
        } onCancel: {
            continuation.finish()
        }
        for source in sources { source.cancel() }
    }
}
