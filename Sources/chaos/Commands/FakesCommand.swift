import ArgumentParser
import ChaosKit
import Dispatch
import Foundation

struct FakesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fakes",
        abstract: "Run fake Telegram and fake Sheets standalone and print the bot's environment for them.")

    @Option(help: "Port of the fake Telegram (0: any free port).")
    var telegramPort: Int = 0

    @Option(help: "Port of the fake Sheets (0: any free port).")
    var sheetsPort: Int = 0

    @Option(help: "Also write the bot's environment (NAME=value lines) to this file.")
    var envFile: String?

    @Option(help: "Where to write the service-account key.")
    var credentialsFile: String = "chaos-service-account.json"

    func run() async throws {
        var options = StandaloneFakes.Options()
        options.telegramPort = telegramPort
        options.sheetsPort = sheetsPort
        options.envFile = envFile
        options.credentialsFile = credentialsFile
        let code = await StandaloneFakes.run(options, output: printOutput, errors: printError, until: waitForTerminationSignal)
        throw ExitCode(code.rawValue)
    }
}

/// Waits until the process receives SIGINT or SIGTERM (or the task is cancelled).
@Sendable func waitForTerminationSignal() async {
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
