import ArgumentParser
import ChaosKit
import Foundation

struct ReproduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Turn an incident bundle (metro-bot incident export) into a scenario, and optionally run it.",
        discussion: "Exit codes: 0 written (and, with --run, passed), 1 the scenario failed, 2 invalid input. See docs/Incidents.md.")

    @Argument(help: "The bundle (JSON) to reproduce.")
    var bundle: String

    @Option(help: "How much faster than recorded to send the updates: 10x, 1x, 60x.")
    var speed = "10x"

    @Option(help: "Write the scenario here (default: print it).")
    var write: String?

    @Flag(name: .customLong("run"), help: "Run the scenario against the bot after writing it.")
    var runScenario = false

    @Option(help: "The metro-bot executable for --run (default: next to chaos, else built with swift build).")
    var bot: String?

    func validate() throws {
        guard Self.factor(speed) != nil else {
            throw ValidationError("--speed \(speed): expected a factor such as 10x, 1x or 0.5x")
        }
    }

    /// `10x` → 10.
    static func factor(_ text: String) -> Double? {
        let number = text.hasSuffix("x") ? String(text.dropLast()) : text
        guard let value = Double(number), value.isFinite, value > 0 else { return nil }
        return value
    }

    func run() async throws {
        let name = write.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
            ?? "incident-\(URL(fileURLWithPath: bundle).deletingPathExtension().lastPathComponent)"
        let reproduction: IncidentReproduction.Reproduction
        do {
            reproduction = try IncidentReproduction.reproduce(bundleAt: bundle, name: name, speed: Self.factor(speed) ?? 10)
        } catch let problem as IncidentReproduction.Problem {
            printError("chaos reproduce: \(problem.description)")
            throw ExitCode(ChaosExitCode.invalidInput.rawValue)
        }
        let path = write ?? (runScenario ? FileManager.default.temporaryDirectory.appendingPathComponent("\(name).yaml").path : nil)
        if let path {
            try Data(reproduction.yaml.utf8).write(to: URL(fileURLWithPath: path))
            printOutput("wrote \(path): \(reproduction.summary)")
        } else {
            printOutput(reproduction.yaml)
        }
        guard runScenario, let path else { return }
        var options = ChaosRun.Options()
        options.paths = [path]
        options.bot = bot
        let code = await ChaosRun.execute(options, output: printOutput, errors: printError)
        throw ExitCode(code.rawValue)
    }
}
