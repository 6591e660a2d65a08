import ArgumentParser
import ChaosKit

extension BotStore: ExpressibleByArgument {}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenarios against the real bot; exit 0 all passed, 1 some failed, 2 invalid input.")

    @Argument(help: "Scenario files or directories (default: Scenarios/).")
    var paths: [String] = []

    @Option(help: "The metro-bot executable (default: next to chaos, else built with swift build).")
    var bot: String?

    @Option(help: "Only scenarios whose name or a tag matches this glob.")
    var filter: String?

    @Option(help: "How many scenarios run at once.")
    var jobs: Int = 1

    @Option(help: "The run seed; a failed run prints the one that reproduces it.")
    var seed: UInt64?

    @Option(help: "Write a JUnit XML report here.")
    var junit: String?

    @Option(help: "Write the JSON journal here.")
    var json: String?

    @Option(help: "Write a Markdown report here.")
    var report: String?

    @Flag(help: "Keep each scenario's temporary directory (database, logs) for inspection.")
    var keep = false

    @Option(help: "The bot's store for scenarios that do not require one: sqlite or postgres (a fresh database per scenario on CHAOS_POSTGRES_URL, else on a throw-away server).")
    var store: BotStore = .sqlite

    func run() async throws {
        var options = ChaosRun.Options()
        options.paths = paths
        options.bot = bot
        options.filter = filter
        options.jobs = jobs
        options.seed = seed
        options.junit = junit
        options.json = json
        options.report = report
        options.keep = keep
        options.store = store
        // Ctrl-C (or SIGTERM) cancels the run: the running scenarios stop their bots and fakes,
        // their databases are dropped and a throw-away PostgreSQL server is stopped and removed.
        let running = Task { await ChaosRun.execute(options, output: printOutput, errors: printError) }
        let interrupt = Task {
            await waitForTerminationSignal()
            running.cancel()
        }
        let code = await running.value
        interrupt.cancel()
        if running.isCancelled { throw ExitCode(130) }
        throw ExitCode(code.rawValue)
    }
}
