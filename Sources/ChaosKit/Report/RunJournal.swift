import Foundation

/// Everything a `chaos run` did and found: the source of every report format.
public struct RunJournal: Codable, Sendable, Equatable {
    /// When the run started.
    public var startedAt: Date
    /// Wall time of the whole run, seconds.
    public var durationSeconds: Double
    /// The run's seed; each scenario's seed is derived from it and its name.
    public var seed: UInt64
    /// How many scenarios ran at once.
    public var jobs: Int
    /// One entry per scenario, in the order the scenarios were listed.
    public var scenarios: [ScenarioJournal]

    /// Creates a journal.
    public init(startedAt: Date, durationSeconds: Double, seed: UInt64, jobs: Int, scenarios: [ScenarioJournal]) {
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.seed = seed
        self.jobs = jobs
        self.scenarios = scenarios
    }

    /// Scenarios that passed.
    public var passedCount: Int { scenarios.filter { $0.outcome == .passed }.count }
    /// Scenarios that did not pass.
    public var failedCount: Int { scenarios.count - passedCount }
}

/// What happened in one scenario.
public struct ScenarioJournal: Codable, Sendable, Equatable {
    /// The result.
    public enum Outcome: String, Codable, Sendable {
        /// Every step ran and every expectation held.
        case passed
        /// A step or an expectation failed.
        case failed
        /// The runner itself could not run the scenario (no bot binary, a fake did not start).
        case error
    }

    /// Scenario name.
    public var name: String
    /// Scenario description.
    public var description: String
    /// The file it came from.
    public var file: String
    /// Its tags.
    public var tags: [String]
    /// The seed its randomness came from; `--seed` with the run seed reproduces it.
    public var seed: UInt64
    /// The result.
    public var outcome: Outcome
    /// Why it did not pass, in one paragraph; nil when it passed.
    public var failure: String?
    /// Wall time, seconds.
    public var durationSeconds: Double
    /// Every step that ran, in order.
    public var steps: [StepJournal]
    /// Every fault rule installed, and how often it fired when the fake reports it.
    public var faults: [FaultJournal]
    /// `steady_state` checks, before the first fault and after the last step.
    public var steadyState: [ExpectationJournal]
    /// Every expectation with what was expected and what was seen.
    public var expectations: [ExpectationJournal]
    /// Each start of the bot and how it ended.
    public var botRuns: [BotRunJournal]
    /// The bot's output (stdout and stderr), capped at the last 64 KiB.
    public var botLog: String
    /// The kept temporary directory (`--keep`), or nil when it was removed.
    public var keptDirectory: String?
    /// The store the instances ran on (`sqlite`, `postgres`).
    public var store: String?
    /// How many webhook deliveries the round-robin front forwarded to each instance; nil when the
    /// scenario ran one instance and Telegram reached it directly.
    public var frontDeliveries: [String: Int]?

    /// Creates an entry.
    public init(name: String, description: String, file: String, tags: [String], seed: UInt64, outcome: Outcome, failure: String? = nil,
                durationSeconds: Double, steps: [StepJournal] = [], faults: [FaultJournal] = [], steadyState: [ExpectationJournal] = [],
                expectations: [ExpectationJournal] = [], botRuns: [BotRunJournal] = [], botLog: String = "", keptDirectory: String? = nil) {
        self.name = name
        self.description = description
        self.file = file
        self.tags = tags
        self.seed = seed
        self.outcome = outcome
        self.failure = failure
        self.durationSeconds = durationSeconds
        self.steps = steps
        self.faults = faults
        self.steadyState = steadyState
        self.expectations = expectations
        self.botRuns = botRuns
        self.botLog = botLog
        self.keptDirectory = keptDirectory
    }
}

/// One step as it ran.
public struct StepJournal: Codable, Sendable, Equatable {
    /// 1-based position in the scenario.
    public var index: Int
    /// The step's key (`send`, `wait_until`, …).
    public var keyword: String
    /// `file:line:column` of the step.
    public var location: String
    /// What the step did, with its results (update ids, flood order, status codes).
    public var detail: String
    /// When it started, seconds after the scenario started.
    public var startSeconds: Double
    /// How long it took, seconds.
    public var durationSeconds: Double
    /// Whether it did what it should.
    public var passed: Bool
    /// Why it failed.
    public var failure: String?

    /// Creates an entry.
    public init(index: Int, keyword: String, location: String, detail: String, startSeconds: Double, durationSeconds: Double, passed: Bool, failure: String? = nil) {
        self.index = index
        self.keyword = keyword
        self.location = location
        self.detail = detail
        self.startSeconds = startSeconds
        self.durationSeconds = durationSeconds
        self.passed = passed
        self.failure = failure
    }
}

/// A fault rule installed on a fake.
public struct FaultJournal: Codable, Sendable, Equatable {
    /// `telegram` or `sheets`.
    public var target: String
    /// The rule as sent to the control API (JSON).
    public var rule: String
    /// The step that installed it (1-based).
    public var step: Int
    /// The id the fake gave it.
    public var id: String?
    /// Journaled calls the rule fired on (the fake journals the id of the fault that fired),
    /// counted after the steps; nil when unknown.
    public var fired: Int?

    /// Creates an entry.
    public init(target: String, rule: String, step: Int, id: String? = nil, fired: Int? = nil) {
        self.target = target
        self.rule = rule
        self.step = step
        self.id = id
        self.fired = fired
    }
}

/// One expectation's evaluation.
public struct ExpectationJournal: Codable, Sendable, Equatable {
    /// Its key (`sheet_rows`, `bot`, …).
    public var keyword: String
    /// `file:line:column`.
    public var location: String
    /// What it required, in words.
    public var expected: String
    /// What was seen, in words.
    public var actual: String
    /// Whether it held.
    public var passed: Bool
    /// Evidence: journal excerpts, log lines, rows (a few lines each).
    public var evidence: [String]

    /// Creates an entry.
    public init(keyword: String, location: String, expected: String, actual: String, passed: Bool, evidence: [String] = []) {
        self.keyword = keyword
        self.location = location
        self.expected = expected
        self.actual = actual
        self.passed = passed
        self.evidence = evidence
    }
}

/// One start of the bot process.
public struct BotRunJournal: Codable, Sendable, Equatable {
    /// Its process id.
    public var pid: Int32
    /// Seconds after the scenario started.
    public var startedSeconds: Double
    /// Exit code (or 128 + signal number when killed by a signal); nil while running at the end.
    public var exitCode: Int32?
    /// Seconds after the scenario started that it exited.
    public var exitedSeconds: Double?
    /// The signals sent to it, in order (`TERM`, `KILL`).
    public var signals: [String]
    /// The instance it was a run of; nil for the default instance.
    public var instance: String?

    /// Creates an entry.
    public init(pid: Int32, startedSeconds: Double, exitCode: Int32? = nil, exitedSeconds: Double? = nil, signals: [String] = [], instance: String? = nil) {
        self.instance = instance
        self.pid = pid
        self.startedSeconds = startedSeconds
        self.exitCode = exitCode
        self.exitedSeconds = exitedSeconds
        self.signals = signals
    }
}
