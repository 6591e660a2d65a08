import ArgumentParser
import ChaosKit
import Foundation

/// `chaos`: replays chaos scenarios against the real bot and checks what must hold.
@main
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Run chaos scenarios against the real metro-bot with fake Telegram and Sheets.",
        discussion: "Exit codes: 0 all passed, 1 some failed, 2 invalid input. Scenarios: docs/SCENARIOS.md.",
        subcommands: [RunCommand.self, ExploreCommand.self, ReproduceCommand.self, ValidateCommand.self, ListCommand.self, FakesCommand.self, ChecklistCommand.self, ProbeCommand.self])

    /// Parses and runs, mapping argument errors to exit code 2 (invalid input) instead of
    /// ArgumentParser's 64, so that every invalid input exits the same way.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(ChaosExitCode.invalidInput.rawValue)
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Writes a line to standard output.
func printOutput(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files and report every error with file:line:column.")

    @Argument(help: "Scenario files or directories (default: Scenarios/).")
    var paths: [String] = []

    func run() throws {
        let code = ScenarioCatalog.validate(paths: paths, output: printOutput, errors: printError)
        throw ExitCode(code.rawValue)
    }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List scenarios: name, description and tags.")

    @Argument(help: "Scenario files or directories (default: Scenarios/).")
    var paths: [String] = []

    @Option(help: "Only scenarios whose name or a tag matches this glob.")
    var filter: String?

    func run() throws {
        let code = ScenarioCatalog.list(paths: paths, filter: ScenarioFilter(glob: filter), output: printOutput, errors: printError)
        throw ExitCode(code.rawValue)
    }
}
