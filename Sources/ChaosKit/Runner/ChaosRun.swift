import AsyncHTTPClient
import Foundation
import MetroSupport

/// `chaos run`: load, filter, run with `--jobs` in parallel, report, exit code.
public enum ChaosRun {
    /// The command's options.
    public struct Options: Sendable {
        /// Scenario files or directories. Defaults to none (`Scenarios/`).
        public var paths: [String] = []
        /// `--bot`: the bot executable. Defaults to next to `chaos`, else built.
        public var bot: String?
        /// `--filter`: a glob on names and tags. Defaults to everything.
        public var filter: String?
        /// `--jobs`: scenarios at once. Defaults to 1.
        public var jobs: Int = 1
        /// `--seed`: the run seed. Defaults to a random one (printed).
        public var seed: UInt64?
        /// `--junit FILE`.
        public var junit: String?
        /// `--json FILE`.
        public var json: String?
        /// `--report FILE.md`.
        public var report: String?
        /// `--keep`: leave each scenario's temporary directory.
        public var keep = false
        /// `--store`: the store of scenarios that do not require one. Defaults to SQLite.
        public var store: BotStore = .sqlite
        /// Where `CHAOS_POSTGRES_URL` is read. Defaults to the process's environment.
        public var environment = ProcessInfo.processInfo.environment

        /// Creates options with the defaults above.
        public init() {}
    }

    /// Runs the command.
    /// - Parameters:
    ///   - options: The flags.
    ///   - http: The client for the fakes' control APIs and the bot. Defaults to the shared one.
    ///   - progress: Live progress. Defaults to standard output's style.
    ///   - output: Where the summary goes.
    ///   - errors: Where problems go.
    /// - Returns: 0 all passed, 1 some failed, 2 invalid input.
    public static func execute(_ options: Options, http: HTTPClient = .shared, progress: TerminalProgress = TerminalProgress(),
                               output: @escaping @Sendable (String) -> Void, errors: @escaping @Sendable (String) -> Void) async -> ChaosExitCode {
        let scenarios: [Scenario]
        do {
            scenarios = try ScenarioLoader.load(options.paths).filter(ScenarioFilter(glob: options.filter).matches)
        } catch {
            for diagnostic in error.diagnostics { errors(diagnostic.description) }
            return .invalidInput
        }
        guard !scenarios.isEmpty else {
            errors("no scenario matches --filter \(options.filter ?? "*"); `chaos list` shows names and tags")
            return .invalidInput
        }
        guard options.jobs >= 1 else {
            errors("--jobs must be at least 1, found \(options.jobs)")
            return .invalidInput
        }
        var botExecutable: URL?
        let needsBot = scenarios.contains { $0.steps.contains { if case .startBot = $0.action { true } else if case .restartBot = $0.action { true } else { false } } }
        if needsBot {
            do {
                botExecutable = try BotBinary.locate(explicit: options.bot, log: output)
            } catch {
                errors(error.description)
                return .invalidInput
            }
        }
        // One PostgreSQL server for the whole run, when any scenario runs on it; a throw-away one
        // is removed below, after the last scenario (an interrupted run too: it cancels runAll).
        var postgres: PostgresServer?
        if scenarios.contains(where: { ($0.store ?? options.store) == .postgres }) {
            do {
                postgres = try await PostgresServer.locate(environment: options.environment, log: output)
            } catch {
                errors("\(error)")
                return .invalidInput
            }
        }
        let runSeed = options.seed ?? UInt64.random(in: 0...UInt64(Int64.max))
        let store = options.store == .sqlite ? "" : ", store \(options.store.rawValue)"
        output("chaos: \(scenarios.count) scenario(s), seed \(runSeed), \(options.jobs) job(s)\(store)\(botExecutable.map { ", bot \($0.path)" } ?? "")")
        let runner = ScenarioRunner(botExecutable: botExecutable, http: http, keep: options.keep, store: options.store, postgres: postgres)
        let startedAt = Date()
        let clock = ContinuousClock.now
        let results = await runAll(scenarios, jobs: options.jobs, runSeed: runSeed, runner: runner, progress: progress)
        await postgres?.stop()
        let journal = RunJournal(startedAt: startedAt, durationSeconds: (ContinuousClock.now - clock).seconds, seed: runSeed, jobs: options.jobs, scenarios: results)
        output("")
        output(SummaryTable.render(journal))
        if journal.failedCount > 0 {
            output("reproduce with: chaos run --seed \(runSeed)" + (options.filter.map { " --filter '\($0)'" } ?? "") + (options.paths.isEmpty ? "" : " " + options.paths.joined(separator: " ")))
        }
        do {
            if let path = options.junit { try write(JUnitReport.render(journal), to: path) }
            if let path = options.json { try JSONReport.encode(journal).write(to: URL(fileURLWithPath: path)) }
            if let path = options.report { try write(MarkdownReport.render(journal), to: path) }
        } catch {
            errors("cannot write a report: \(error)")
            return .invalidInput
        }
        return journal.failedCount == 0 ? .passed : .failed
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Runs `scenarios`, at most `jobs` at once, and returns their journals in listing order.
    public static func runAll(_ scenarios: [Scenario], jobs: Int, runSeed: UInt64, runner: ScenarioRunner, progress: TerminalProgress) async -> [ScenarioJournal] {
        await withTaskGroup(of: (Int, ScenarioJournal)?.self) { group in
            // The spinner ticks in a child task that ends when the last scenario has finished.
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(120))
                    await progress.tick()
                }
                return nil
            }
            var next = 0
            func addNext() {
                guard next < scenarios.count else { return }
                let index = next
                let scenario = scenarios[index]
                next += 1
                group.addTask {
                    await progress.started(scenario.name)
                    let journal = await runner.run(scenario, seed: SeededGenerator.scenarioSeed(runSeed: runSeed, name: scenario.name))
                    await progress.finished(journal)
                    return (index, journal)
                }
            }
            for _ in 0..<jobs { addNext() }
            var results = [ScenarioJournal?](repeating: nil, count: scenarios.count)
            var finishedCount = 0
            while let finished = await group.next() {
                guard let (index, journal) = finished else { continue }
                results[index] = journal
                finishedCount += 1
                if finishedCount == scenarios.count { group.cancelAll() }
                addNext()
            }
            return results.compactMap { $0 }
        }
    }
}
