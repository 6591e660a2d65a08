import AsyncHTTPClient
import Foundation

/// `chaos checklist`: the pre-deployment checklist. Each claim a "production ready" report would
/// make is an item proved by a check: the deployment's configuration (offline), then the
/// scenarios of the library. Printed as a checklist and written as Markdown.
public enum DeploymentChecklist {
    /// A claim and the scenarios that prove it.
    public struct Claim: Sendable {
        /// The claim.
        public var text: String
        /// The scenarios that must all pass.
        public var scenarios: [String]
    }

    /// The claims of DESIGN.md and the scenarios proving each.
    public static let claims: [Claim] = [
        Claim(text: "a check-in appends exactly one row and confirms it", scenarios: ["polling-check-in"]),
        Claim(text: "bad coordinates and stray locations get clear answers and no row", scenarios: ["polling-bad-coordinates"]),
        Claim(text: "a bad configuration stops the bot with exit 78 and a one-line reason", scenarios: ["bad-configuration"]),
        Claim(text: "webhook setup retries with growing backoff", scenarios: ["webhook-setup-retries"]),
        Claim(text: "when the webhook cannot be set the bot polls and still works", scenarios: ["webhook-setup-never-succeeds"]),
        Claim(text: "a webhook outage falls back to polling and back, losing and doubling nothing", scenarios: ["webhook-outage-fallback"]),
        Claim(text: "slow Telegram: timeouts are retried without pile-up", scenarios: ["slow-telegram"]),
        Claim(text: "Telegram 429 retry_after is honoured", scenarios: ["telegram-429"]),
        Claim(text: "a Sheets outage keeps rows in the outbox; they land once, in order", scenarios: ["polling-sheets-outage", "sheets-outage"]),
        Claim(text: "slow Sheets loses no check-in", scenarios: ["slow-sheets"]),
        Claim(text: "SIGTERM mid-request: the check-in completes, exit 0 within the grace", scenarios: ["sigterm-mid-request"]),
        Claim(text: "SIGTERM under load drains and loses nothing", scenarios: ["sigterm-under-load"]),
        Claim(text: "a second signal forces the exit; acknowledged work survives", scenarios: ["second-signal-forces-exit"]),
        Claim(text: "SIGKILL and restart lose and double nothing", scenarios: ["polling-sigkill-restart", "sigkill-mid-request"]),
        Claim(text: "abandoned conversations are cleaned up", scenarios: ["polling-abandoned-conversations", "abandoned-conversations"]),
        Claim(text: "memory pressure: warnings, shedding, recovery", scenarios: ["memory-pressure"]),
        Claim(text: "duplicate and out-of-order deliveries give one row each", scenarios: ["duplicate-deliveries"]),
        Claim(text: "bad webhook input gets the right status and the bot stays healthy", scenarios: ["webhook-bad-input"]),
        Claim(text: "/shutdown needs the admin token", scenarios: ["admin-shutdown"]),
        Claim(text: "secrets never appear in logs", scenarios: ["secrets-never-logged"]),
    ]

    /// The command's options.
    public struct Options: Sendable {
        /// Scenario files or directories. Defaults to none (`Scenarios/`).
        public var paths: [String] = []
        /// `--bot`.
        public var bot: String?
        /// `--report FILE.md`. Defaults to none.
        public var report: String?
        /// `--jobs`. Defaults to 2.
        public var jobs = 2
        /// `--seed`. Defaults to random.
        public var seed: UInt64?
        /// `--skip-configuration`: do not check this environment as a deployment's. Defaults to false.
        public var skipConfiguration = false

        /// Creates options with the defaults above.
        public init() {}
    }

    /// Runs the checklist; 0 when every item holds, 1 when some does not, 2 on invalid input.
    public static func run(_ options: Options, environment: [String: String] = ProcessInfo.processInfo.environment, http: HTTPClient = .shared,
                           output: @escaping @Sendable (String) -> Void, errors: @escaping @Sendable (String) -> Void) async -> ChaosExitCode {
        let configuration = options.skipConfiguration ? [] : DeploymentChecks.check(environment)
        let scenarios: [Scenario]
        do {
            scenarios = try ScenarioLoader.load(options.paths)
        } catch {
            for diagnostic in error.diagnostics { errors(diagnostic.description) }
            return .invalidInput
        }
        let botExecutable: URL
        do {
            botExecutable = try BotBinary.locate(explicit: options.bot, log: output)
        } catch {
            errors(error.description)
            return .invalidInput
        }
        let seed = options.seed ?? UInt64.random(in: 0...UInt64(Int64.max))
        output("checklist: \(configuration.count) configuration check(s), \(scenarios.count) scenario(s), seed \(seed)")
        let started = Date(), clock = ContinuousClock.now
        let results = await ChaosRun.runAll(scenarios, jobs: max(1, options.jobs), runSeed: seed,
                                            runner: ScenarioRunner(botExecutable: botExecutable, http: http),
                                            progress: TerminalProgress())
        let journal = RunJournal(startedAt: started, durationSeconds: (ContinuousClock.now - clock).seconds, seed: seed, jobs: options.jobs, scenarios: results)
        let outcome = Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0.outcome == .passed) })
        var configurationLines: [String] = []
        for item in configuration {
            configurationLines.append("[\(item.passed ? "x" : " ")] \(item.claim) — \(item.detail)")
        }
        var behaviourLines: [String] = []
        var allPassed = configuration.allSatisfy(\.passed)
        for claim in claims {
            let known = claim.scenarios.filter { outcome[$0] != nil }
            let passed = !known.isEmpty && known.allSatisfy { outcome[$0] == true }
            allPassed = allPassed && passed
            var proofs: [String] = []
            for name in claim.scenarios {
                let state: String
                switch outcome[name] {
                case true?: state = "passed"
                case false?: state = "FAILED"
                case nil: state = "missing"
                }
                proofs.append("\(name) \(state)")
            }
            behaviourLines.append("[\(passed ? "x" : " ")] \(claim.text) — \(proofs.joined(separator: ", "))")
        }
        var lines: [String] = []
        if !configurationLines.isEmpty { lines.append("Configuration (this environment, offline):") }
        lines += configurationLines.map { "  " + $0 }
        lines.append("Behaviour (scenarios against the real bot):")
        lines += behaviourLines.map { "  " + $0 }
        for line in lines { output(line) }
        if let path = options.report {
            var md = "# Pre-deployment checklist\n\n- date: \(ISO8601DateFormatter().string(from: started))\n- bot: `\(botExecutable.path)`\n- version: \(version())\n- seed: `\(seed)`\n\n"
            if !configurationLines.isEmpty {
                md += "## Configuration\n\n" + configurationLines.map { "- " + $0 }.joined(separator: "\n") + "\n\n"
            }
            md += "## Behaviour\n\n" + behaviourLines.map { "- " + $0 }.joined(separator: "\n") + "\n\n"
            md += MarkdownReport.render(journal, title: "Scenario results").replacingOccurrences(of: "\n# ", with: "\n## ")
            do { try Data(md.utf8).write(to: URL(fileURLWithPath: path)) } catch {
                errors("cannot write \(path): \(error)")
                return .invalidInput
            }
        }
        return allPassed ? .passed : .failed
    }

    /// The package's `git describe`, or "unknown".
    static func version() -> String {
        BotBinary.run("git", ["describe", "--always", "--dirty"])?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
    }
}
