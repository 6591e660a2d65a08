import ArgumentParser
import ChaosKit

struct ChecklistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checklist",
        abstract: "The pre-deployment checklist: this environment's configuration, then every claim proved by a scenario.")

    @Argument(help: "Scenario files or directories (default: Scenarios/).")
    var paths: [String] = []

    @Option(help: "The metro-bot executable.")
    var bot: String?

    @Option(help: "Write the checklist as Markdown here.")
    var report: String?

    @Option(help: "How many scenarios run at once.")
    var jobs: Int = 2

    @Option(help: "The run seed.")
    var seed: UInt64?

    @Flag(help: "Do not check this environment as a deployment's configuration.")
    var skipConfiguration = false

    func run() async throws {
        var options = DeploymentChecklist.Options()
        options.paths = paths
        options.bot = bot
        options.report = report
        options.jobs = jobs
        options.seed = seed
        options.skipConfiguration = skipConfiguration
        let code = await DeploymentChecklist.run(options, output: printOutput, errors: printError)
        throw ExitCode(code.rawValue)
    }
}
