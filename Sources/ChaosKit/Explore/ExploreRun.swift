import AsyncHTTPClient
import Foundation
import MetroSupport

/// `chaos explore`: generate schedules from a seed, run each against the real bot, check the
/// invariants, shrink what fails and write it as a scenario file. docs/Explore.md.
public enum ExploreRun {
    /// The command's options.
    public struct Options: Sendable {
        /// `--schedules`: how many schedules. Defaults to 20.
        public var schedules = 20
        /// `--seed`: the run seed. Defaults to a random one (printed).
        public var seed: UInt64?
        /// `--bot`: the bot executable. Defaults to next to `chaos`, else built.
        public var bot: String?
        /// `--mode`. Defaults to both (even schedules webhook, odd polling).
        public var mode: ScheduleGenerator.ModeChoice = .both
        /// `--jobs`: schedules at once. Defaults to 1.
        public var jobs = 1
        /// `--write-failures DIR`: shrink each failure and write it there. Defaults to none (no shrinking).
        public var writeFailures: String?
        /// `--junit FILE`.
        public var junit: String?
        /// `--json FILE`.
        public var json: String?
        /// `--time-budget`: how long shrinking one failure may take. Defaults to 5 minutes.
        public var timeBudget: Duration = .seconds(300)
        /// `--only INDEX`: run that schedule alone.
        public var only: Int?
        /// Sizes and vocabulary (`--no-poison` clears ``ScheduleGenerator/Shape/poison``).
        public var shape = ScheduleGenerator.Shape()
        /// `--store`: the bot's store. Defaults to SQLite; PostgreSQL gives each schedule a fresh
        /// database on the server `chaos run` would use, and written failures say `store: postgres`.
        public var store: BotStore = .sqlite
        /// Where `CHAOS_POSTGRES_URL` is read. Defaults to the process's environment.
        public var environment = ProcessInfo.processInfo.environment

        /// Creates options with the defaults above.
        public init() {}
    }

    /// One schedule's run: what ran, what the runner journaled, what broke.
    public struct Outcome: Sendable {
        /// The schedule.
        public var schedule: Schedule
        /// The scenario journal, its outcome and expectations replaced by the invariants.
        public var journal: ScenarioJournal
        /// The broken invariants; empty when the schedule passed.
        public var violations: [Violation]
        /// Whether the run was interrupted (Ctrl-C) before it finished; not counted.
        public var interrupted: Bool

        /// Whether every invariant held.
        public var passed: Bool { violations.isEmpty && journal.outcome != .error }
    }

    /// Runs one schedule against the bot and checks every invariant on what it left.
    public static func run(_ schedule: Schedule, runner: ScenarioRunner) async -> Outcome {
        let scenario = ScheduleScenario.scenario(schedule)
        let collected = LockedState<ExploreEvidence?>(nil)
        var journal = await runner.run(scenario, seed: SeededGenerator.scenarioSeed(runSeed: schedule.seed, name: scenario.name)) { execution in
            let evidence = await execution.settleAndCollect(schedule)
            collected.withLock { $0 = evidence }
        }
        let interrupted = Task.isCancelled
        guard let evidence = collected.withLock({ $0 }) else {
            return Outcome(schedule: schedule, journal: journal, violations: [], interrupted: interrupted)
        }
        let violations = InvariantChecks.all(evidence)
        let stepNote = journal.failure.map { " (the scenario's own check: \($0.split(separator: "\n").first ?? ""))" } ?? ""
        journal.expectations = Invariant.allCases.map { invariant in
            let broken = violations.filter { $0.invariant == invariant }
            return ExpectationJournal(keyword: "invariant \(invariant.rawValue)", location: scenario.file, expected: invariant.statement,
                                      actual: broken.isEmpty ? "held" : broken.map(\.description).joined(separator: "; "),
                                      passed: broken.isEmpty, evidence: broken.flatMap(\.evidence))
        }
        journal.outcome = violations.isEmpty ? .passed : .failed
        journal.failure = violations.isEmpty ? nil : violations.map(\.description).joined(separator: "\n") + stepNote
        return Outcome(schedule: schedule, journal: journal, violations: violations, interrupted: interrupted)
    }

    /// The line printed for a finished schedule, in `chaos run`'s style:
    /// `PASS explore-42-0 (webhook, 2 users, 11 events, 8.1s)`, `FAIL … : lost-row (updates 7)`.
    public static func line(_ outcome: Outcome) -> String {
        let schedule = outcome.schedule
        let shape = "\(schedule.mode.rawValue), \(schedule.users.count) user(s), \(schedule.events.count) event(s), " + String(format: "%.1fs", outcome.journal.durationSeconds)
        if outcome.interrupted { return "STOP \(schedule.name) (\(shape)): interrupted" }
        if outcome.passed { return "PASS \(schedule.name) (\(shape))" }
        if outcome.violations.isEmpty { return "FAIL \(schedule.name) (\(shape)): runner error: \(outcome.journal.failure ?? "")" }
        let kinds = Array(Set(outcome.violations.map(\.invariant.rawValue))).sorted().joined(separator: ", ")
        let ids = Array(Set(outcome.violations.flatMap(\.updateIDs))).sorted().prefix(6).map(String.init).joined(separator: ", ")
        return "FAIL \(schedule.name) (\(shape)): \(kinds)" + (ids.isEmpty ? "" : " (updates \(ids))")
    }

    /// Runs the command.
    /// - Returns: 0 every invariant held, 1 a violation, 2 invalid input.
    public static func execute(_ options: Options, http: HTTPClient = .shared, output: @escaping @Sendable (String) -> Void,
                               errors: @escaping @Sendable (String) -> Void) async -> ChaosExitCode {
        guard options.schedules >= 1 else { errors("--schedules must be at least 1, found \(options.schedules)"); return .invalidInput }
        guard options.jobs >= 1 else { errors("--jobs must be at least 1, found \(options.jobs)"); return .invalidInput }
        if let only = options.only, only < 0 { errors("--only must be a schedule index (0 or more), found \(only)"); return .invalidInput }
        let bot: URL
        do {
            bot = try BotBinary.locate(explicit: options.bot, log: output)
        } catch {
            errors(error.description)
            return .invalidInput
        }
        if let directory = options.writeFailures {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                errors("--write-failures \(directory): cannot create the directory (\(error.localizedDescription))")
                return .invalidInput
            }
        }
        let seed = options.seed ?? UInt64.random(in: 0...UInt64(Int64.max))
        let generator = ScheduleGenerator(seed: seed, mode: options.mode, shape: options.shape)
        let indices = options.only.map { [$0] } ?? Array(0..<options.schedules)
        // One PostgreSQL server for the whole run, as `chaos run` locates it; a throw-away one is
        // removed at the end, after the shrinking too.
        var postgres: PostgresServer?
        if options.store == .postgres {
            do {
                postgres = try await PostgresServer.locate(environment: options.environment, log: output)
            } catch {
                errors("\(error)")
                return .invalidInput
            }
        }
        let store = options.store == .sqlite ? "" : ", store \(options.store.rawValue)"
        output("explore: \(indices.count) schedule(s), seed \(seed), mode \(options.mode.rawValue), \(options.jobs) job(s)\(options.shape.poison ? "" : ", no poison")\(store), bot \(bot.path)")
        let runner = ScenarioRunner(botExecutable: bot, http: http, store: options.store, postgres: postgres)
        let code = await explore(indices: indices, generator: generator, seed: seed, options: options, runner: runner,
                                 startedAt: Date(), output: output, errors: errors)
        await postgres?.stop()
        return code
    }

    /// Runs the schedules, reports and shrinks the failures, writes the reports.
    private static func explore(indices: [Int], generator: ScheduleGenerator, seed: UInt64, options: Options, runner: ScenarioRunner,
                                startedAt: Date, output: @escaping @Sendable (String) -> Void,
                                errors: @escaping @Sendable (String) -> Void) async -> ChaosExitCode {
        let clock = ContinuousClock.now

        let outcomes = await withTaskGroup(of: Outcome.self) { group in
            var next = 0
            func addNext() {
                guard next < indices.count, !Task.isCancelled else { return }
                let schedule = generator.schedule(indices[next])
                next += 1
                group.addTask { await run(schedule, runner: runner) }
            }
            for _ in 0..<options.jobs { addNext() }
            var outcomes: [Outcome] = []
            while let outcome = await group.next() {
                output(line(outcome))
                outcomes.append(outcome)
                addNext()
            }
            return outcomes.sorted { $0.schedule.index < $1.schedule.index }
        }
        let interrupted = Task.isCancelled
        let finished = outcomes.filter { !$0.interrupted }
        let failures = finished.filter { !$0.passed }

        for failure in failures {
            output("")
            output(report(failure))
            guard !interrupted, let directory = options.writeFailures, let invariant = failure.violations.first?.invariant else {
                if options.writeFailures == nil { output("  pass --write-failures DIR to shrink it and write a scenario") }
                continue
            }
            let before = ScheduleScenario.scenario(failure.schedule).steps.count
            let shrinkStart = ContinuousClock.now
            let shrunk = await Shrinker(budget: options.timeBudget).shrink(failure.schedule) { candidate in
                let outcome = await run(candidate, runner: runner)
                return outcome.violations.contains { $0.invariant == invariant }
            }
            let path = URL(fileURLWithPath: directory).appendingPathComponent("\(failure.schedule.name).yaml").path
            // Timing decides some failures: say whether the result fails again on a fresh run.
            let again = Task.isCancelled ? nil : await run(shrunk.schedule, runner: runner).violations.contains { $0.invariant == invariant }
            do {
                try write(shrunk.schedule, invariant: invariant, store: options.store, to: path)
                let after = ScheduleScenario.scenario(shrunk.schedule).steps.count
                let confirmation = again.map { $0 ? "; fails again on a fresh run" : "; passed on a fresh run (timing-dependent: replay it a few times)" } ?? ""
                output(String(format: "  shrunk from %d to %d steps in %d run(s), %.0fs%@%@; written to %@", before, after, shrunk.runs,
                              (ContinuousClock.now - shrinkStart).seconds, shrunk.exhausted ? " (time budget spent)" : "", confirmation, path))
                output("  replay: chaos run \(path) --seed \(seed)\(options.bot.map { " --bot \($0)" } ?? "")")
            } catch {
                errors("cannot write \(path): \(error)")
            }
        }
        let journal = RunJournal(startedAt: startedAt, durationSeconds: (ContinuousClock.now - clock).seconds, seed: seed, jobs: options.jobs,
                                 scenarios: finished.map(\.journal))
        do {
            if let path = options.junit { try Data(JUnitReport.render(journal).utf8).write(to: URL(fileURLWithPath: path)) }
            if let path = options.json { try JSONReport.encode(journal).write(to: URL(fileURLWithPath: path)) }
        } catch {
            errors("cannot write a report: \(error)")
        }
        if interrupted {
            output("interrupted: \(finished.count) of \(indices.count) schedule(s) finished; reproduce one with --seed \(seed) --only INDEX")
        } else if !failures.isEmpty {
            output("reproduce with: chaos explore --seed \(seed) --only \(failures[0].schedule.index) --mode \(options.mode.rawValue)"
                   + (options.shape.poison ? "" : " --no-poison") + (options.store == .sqlite ? "" : " --store \(options.store.rawValue)"))
        }
        output("\(finished.count - failures.count) passed, \(failures.count) failed")
        return failures.isEmpty ? .passed : .failed
    }

    /// A failure's violations with their evidence, indented under the schedule's name.
    public static func report(_ outcome: Outcome) -> String {
        var lines = ["\(outcome.schedule.name) (\(outcome.schedule.mode.rawValue)):"]
        if outcome.violations.isEmpty { lines.append("  runner error: \(outcome.journal.failure ?? "unknown")") }
        for violation in outcome.violations {
            lines.append("  \(violation.invariant.rawValue) — \(violation.invariant.statement)")
            lines.append("    \(violation)")
            lines += violation.evidence.prefix(14).map { "      \($0.prefix(240))" }
        }
        return lines.joined(separator: "\n")
    }

    /// Writes `schedule` as a scenario file whose header says what it found and how to replay it;
    /// found on PostgreSQL, the scenario says `store: postgres`, so that it replays there.
    public static func write(_ schedule: Schedule, invariant: Invariant, store: BotStore = .sqlite, to path: String) throws {
        var scenario = ScheduleScenario.scenario(schedule)
        if store == .postgres { scenario.store = .postgres }
        let header = [
            "Found by chaos explore (seed \(schedule.seed), schedule \(schedule.index), \(schedule.mode.rawValue)) and shrunk:",
            "it broke \(invariant.rawValue): \(invariant.statement).",
            "Replay: chaos run \(path) --seed \(schedule.seed). Once the bot is fixed it passes; commit it under Scenarios/ as a regression test.",
        ]
        try Data(ScenarioWriter.yaml(scenario, header: header).utf8).write(to: URL(fileURLWithPath: path))
    }
}
