import ArgumentParser
import ChaosKit
import UnixSignals

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

    @Option(help: "Where to write the service-account key, kept after the stop (default: a temporary directory, removed at the stop).")
    var credentialsFile: String?

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
    for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
}
