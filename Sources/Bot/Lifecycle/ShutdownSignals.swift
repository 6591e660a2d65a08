import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Marks the bot `stopping` the moment a graceful shutdown begins.
///
/// It is the last service of the group, so it is the first to hear of the shutdown: deliveries get
/// 503 from then on, while the HTTP server and the workers after it drain.
struct StoppingFlag: Service {
    let status: RuntimeStatus
    let metrics: BotMetrics
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        if status.enter(.stopping) {
            metrics.modeChanged(to: .stopping)
        }
        logger.notice("stopping: deliveries now get 503, draining in-flight work", metadata: ["mode": "stopping"])
    }
}

/// Exits the process at once on a second SIGTERM or SIGINT, for an operator who does not want to
/// wait for the drain. Nothing acknowledged is lost: it is already in the store.
///
/// It is the first service of the group, so it is the last to be shut down and keeps listening
/// while the others drain.
struct SecondSignalExit: Service {
    let signals: [UnixSignal]
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: signals)
        // Its own graceful shutdown comes last, after every other service finished draining.
        await cancelWhenGracefulShutdown {
            var received = 0
            for await signal in signals {
                received += 1
                if received >= 2 {
                    logger.critical("second signal: exiting without finishing the drain", metadata: ["signal": "\(signal)"])
                    exit(signal.rawValue + 128)
                }
            }
        }
    }
}
