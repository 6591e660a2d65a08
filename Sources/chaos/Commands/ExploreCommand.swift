import ArgumentParser
import ChaosKit
import Foundation

extension ScheduleGenerator.ModeChoice: ExpressibleByArgument {}

struct ExploreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Generate fault schedules from a seed, check invariants, shrink failures to scenario files.",
        discussion: "Exit codes: 0 every invariant held, 1 a violation, 2 invalid input. See docs/Explore.md.")

    @Option(help: "How many schedules to generate and run.")
    var schedules = 20

    @Option(help: "The run seed; the same seed and index give the same schedule.")
    var seed: UInt64?

    @Option(help: "The metro-bot executable (default: next to chaos, else built with swift build).")
    var bot: String?

    @Option(help: "webhook, polling or both (even schedules webhook, odd polling).")
    var mode: ScheduleGenerator.ModeChoice = .both

    @Option(help: "How many schedules run at once.")
    var jobs = 1

    @Option(name: .customLong("write-failures"), help: "Shrink each failing schedule and write it as DIR/explore-<seed>-<index>.yaml.")
    var writeFailures: String?

    @Option(help: "Write a JUnit XML report here.")
    var junit: String?

    @Option(help: "Write the JSON journal here.")
    var json: String?

    @Option(name: .customLong("time-budget"), help: "How long shrinking one failure may take (250ms, 90s, 5m).")
    var timeBudget = DurationArgument(argument: "5m")!

    @Option(help: "Run only the schedule with this index.")
    var only: Int?

    @Option(help: "The bot's store: sqlite or postgres (a fresh database per schedule on CHAOS_POSTGRES_URL, else on a throw-away server).")
    var store: BotStore = .sqlite

    @Flag(name: .customLong("no-poison"), help: "Leave out updates the bot can never process (for a bot without dead letters).")
    var noPoison = false

    func run() async throws {
        var options = ExploreRun.Options()
        options.schedules = schedules
        options.seed = seed
        options.bot = bot
        options.mode = mode
        options.jobs = jobs
        options.writeFailures = writeFailures
        options.junit = junit
        options.json = json
        options.timeBudget = timeBudget.duration
        options.only = only
        options.shape.poison = !noPoison
        options.store = store
        // Ctrl-C (or SIGTERM) cancels the run: the running schedules stop their bots and fakes,
        // and what was found so far is printed.
        let exploring = Task { await ExploreRun.execute(options, output: printOutput, errors: printError) }
        let interrupt = Task {
            await waitForTerminationSignal()
            exploring.cancel()
        }
        let code = await exploring.value
        interrupt.cancel()
        // Interrupted with nothing found: neither a pass nor a violation (128 + SIGINT, as shells report it).
        if exploring.isCancelled, code == .passed { throw ExitCode(130) }
        throw ExitCode(code.rawValue)
    }
}
