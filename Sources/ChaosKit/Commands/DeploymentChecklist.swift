import AsyncHTTPClient
import Bot
import Foundation

/// `chaos checklist`: the pre-deployment checklist. Each claim a "production ready" report would
/// make is an item proved by a named check: the deployment's configuration from the environment
/// (offline: the bot's own validation and production settings), with `--online` the services it
/// names (Telegram `getMe`/`getWebhookInfo`, the Google token exchange, `spreadsheets.get`), then
/// the scenarios of the library against the real bot. Printed as a checklist and, with
/// `--report`, written as Markdown with the date, the version and every result.
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
        /// `--bot`. Defaults to none (next to `chaos`, else built).
        public var bot: String?
        /// `--report FILE.md`. Defaults to none.
        public var report: String?
        /// `--jobs`. Defaults to 2.
        public var jobs = 2
        /// `--seed`. Defaults to random.
        public var seed: UInt64?
        /// `--filter GLOB`: run only these scenarios; the claims of the others are reported as
        /// not run (and do not hold). Defaults to none (every scenario).
        public var filter: String?
        /// `--online`: also try the configuration against Telegram and Google. Defaults to false.
        public var online = false
        /// `--skip-configuration`: do not check this environment as a deployment's. Defaults to false.
        public var skipConfiguration = false
        /// `--skip-scenarios`: only the configuration checks. Defaults to false.
        public var skipScenarios = false
        /// `--platform NAME` (``DeploymentPlatform``). Defaults to none: Render, or Kubernetes when
        /// `kubernetesManifest` is given.
        public var platform: String?
        /// `--persistent-volume`: a disk that survives deploys holds `DATABASE_PATH`. Defaults to false.
        public var persistentVolume = false
        /// `--kubernetes-manifest FILE`: read the kill deadline from this Deployment. Defaults to none.
        public var kubernetesManifest: String?

        /// Creates options with the defaults above.
        public init() {}
    }

    /// A titled group of items.
    public struct Section: Sendable {
        /// "Configuration (this environment, offline)", "Behaviour (scenarios against the real bot)".
        public var title: String
        /// Its items, in order.
        public var items: [ChecklistItem]
        /// Said instead of the items when there are none ("not run (--skip-scenarios)").
        public var note: String?
        /// Left out on request (`--skip-scenarios`): an empty section that does not count against
        /// the checklist. Any other empty section (a part that could not run) does.
        public var skippedOnRequest = false
    }

    /// Runs the checklist; 0 when every item holds, 1 when some does not, 2 on invalid input.
    /// - Parameters:
    ///   - environment: the deployment's environment. Defaults to this process's.
    ///   - http: the client for online checks and the fakes. Defaults to AsyncHTTPClient's shared client.
    ///   - output: one checklist line at a time.
    ///   - errors: invalid input.
    public static func run(_ options: Options, environment: [String: String] = ProcessInfo.processInfo.environment, http: HTTPClient = .shared,
                           progress: TerminalProgress = TerminalProgress(),
                           output: @escaping @Sendable (String) -> Void, errors: @escaping @Sendable (String) -> Void) async -> ChaosExitCode {
        if options.skipConfiguration, options.online {
            errors("--online checks the configuration against Telegram and Google; it cannot be combined with --skip-configuration")
            return .invalidInput
        }
        if options.skipConfiguration, options.skipScenarios {
            errors("--skip-configuration with --skip-scenarios leaves nothing to check")
            return .invalidInput
        }
        guard options.jobs >= 1 else {
            errors("--jobs \(options.jobs): expected at least 1")
            return .invalidInput
        }
        let target: DeploymentChecks.Target
        switch deploymentTarget(options) {
        case .success(let value): target = value
        case .failure(let problem):
            errors(problem.description)
            return .invalidInput
        }
        var scenarios: [Scenario] = []
        var botExecutable: URL?
        var excluded: Set<String> = []
        if !options.skipScenarios {
            do {
                let all = try ScenarioLoader.load(options.paths)
                let filter = ScenarioFilter(glob: options.filter)
                scenarios = all.filter(filter.matches)
                excluded = Set(all.filter { !filter.matches($0) }.map(\.name))
            } catch {
                for diagnostic in error.diagnostics { errors(diagnostic.description) }
                return .invalidInput
            }
            if scenarios.isEmpty {
                errors("no scenario matches --filter \(options.filter ?? "*"); `chaos list` shows names and tags")
                return .invalidInput
            }
            do {
                botExecutable = try BotBinary.locate(explicit: options.bot, log: output)
            } catch {
                errors(error.description)
                return .invalidInput
            }
        }

        let started = Date(), clock = ContinuousClock.now
        var sections: [Section] = []
        if !options.skipConfiguration {
            let (items, configuration) = DeploymentChecks.check(environment, target: target)
            sections.append(Section(title: "Configuration (this environment, offline)", items: items))
            if options.online {
                if let configuration {
                    output("checklist: trying the configuration against Telegram and Google …")
                    sections.append(Section(title: "Online (this configuration against Telegram and Google)",
                                            items: await DeploymentOnlineChecks.check(configuration, http: http)))
                } else {
                    sections.append(Section(title: "Online (this configuration against Telegram and Google)", items: [], note: "not run: the bot does not accept the configuration"))
                }
            }
        }
        let seed = options.seed ?? UInt64.random(in: 0...UInt64(Int64.max))
        var journal: RunJournal?
        if let botExecutable {
            output("checklist: \(scenarios.count) scenario(s), seed \(seed)")
            let results = await ChaosRun.runAll(scenarios, jobs: options.jobs, runSeed: seed,
                                                runner: ScenarioRunner(botExecutable: botExecutable, http: http), progress: progress)
            journal = RunJournal(startedAt: started, durationSeconds: (ContinuousClock.now - clock).seconds, seed: seed, jobs: options.jobs, scenarios: results)
            sections.append(Section(title: "Behaviour (scenarios against the real bot)", items: behaviourItems(results, excluded: excluded)))
        } else {
            sections.append(Section(title: "Behaviour (scenarios against the real bot)", items: [], note: "not run (--skip-scenarios)", skippedOnRequest: true))
        }

        let items = sections.flatMap(\.items)
        let passed = items.filter(\.passed).count
        let warnings = items.filter(\.isWarning).count
        // A checklist whose every part was skipped or could not run proves nothing.
        let allPassed = !items.isEmpty && passed == items.count && sections.allSatisfy { !$0.items.isEmpty || $0.skippedOnRequest }
        for section in sections {
            output(section.title + ":")
            if let note = section.note, section.items.isEmpty { output("  " + note) }
            for item in section.items { output("  " + item.line) }
        }
        output("checklist: \(passed) of \(items.count) item(s) hold" + (warnings > 0 ? ", \(warnings) with a warning ([!]: read it)" : "")
                   + (allPassed ? "" : "; not ready to deploy"))

        if let path = options.report {
            let markdown = render(sections: sections, journal: journal, started: started, seed: botExecutable == nil ? nil : seed,
                                  bot: botExecutable?.path, passed: passed, total: items.count)
            do { try Data(markdown.utf8).write(to: URL(fileURLWithPath: path)) } catch {
                errors("cannot write \(path): \(error)")
                return .invalidInput
            }
        }
        return allPassed ? .passed : .failed
    }

    /// The platform, disk and kill deadline the options describe; a problem when `--platform` is
    /// unknown, contradicts `--kubernetes-manifest`, or the manifest cannot be read.
    static func deploymentTarget(_ options: Options) -> Result<DeploymentChecks.Target, KubernetesShutdownDeadline.Problem> {
        var platform = options.kubernetesManifest == nil ? DeploymentPlatform.default : .kubernetes
        if let name = options.platform {
            guard let given = DeploymentPlatform(rawValue: name.lowercased()) else {
                return .failure(.init(description: "--platform \(name): unknown; expected one of \(DeploymentPlatform.names)"))
            }
            platform = given
        }
        var target = DeploymentChecks.Target(platform: platform, persistentVolume: options.persistentVolume)
        if let manifest = options.kubernetesManifest {
            guard platform == .kubernetes else {
                return .failure(.init(description: "--kubernetes-manifest is read for --platform kubernetes, not \(platform.rawValue)"))
            }
            do { target.kubernetes = try KubernetesShutdownDeadline.read(manifest) } catch { return .failure(error) }
        }
        return .success(target)
    }

    /// One item per claim (proved by its scenarios), then one per scenario that no claim names
    /// (a scenario of the developer's own proves its own description).
    static func behaviourItems(_ results: [ScenarioJournal], excluded: Set<String>) -> [ChecklistItem] {
        let outcome = Dictionary(results.map { ($0.name, $0) }) { first, _ in first }
        var items: [ChecklistItem] = []
        for claim in claims {
            var states: [String] = []
            var problems: [String] = []
            for name in claim.scenarios {
                switch outcome[name] {
                case let journal? where journal.outcome == .passed:
                    states.append("\(name) passed")
                case let journal?:
                    states.append("\(name) FAILED")
                    problems.append("\(name): \(journal.failure ?? journal.outcome.rawValue)")
                case nil where excluded.contains(name):
                    states.append("\(name) not run")
                    problems.append("\(name) excluded by --filter")
                case nil:
                    states.append("\(name) missing")
                    problems.append("\(name) is not among the scenarios given")
                }
            }
            items.append(ChecklistItem(claim: claim.text, proof: "scenario " + states.joined(separator: ", "), passed: problems.isEmpty,
                                       detail: problems.joined(separator: "; ").prefixLine(400)))
        }
        let named = Set(claims.flatMap(\.scenarios))
        for journal in results where !named.contains(journal.name) {
            items.append(ChecklistItem(claim: journal.description, proof: "scenario \(journal.name) \(journal.outcome == .passed ? "passed" : "FAILED")",
                                       passed: journal.outcome == .passed, detail: (journal.failure ?? "").prefixLine(400)))
        }
        return items
    }

    /// The Markdown checklist: date, version, bot, seed, every section as a task list, then the
    /// scenario report.
    static func render(sections: [Section], journal: RunJournal?, started: Date, seed: UInt64?, bot: String?, passed: Int, total: Int) -> String {
        var md = "# Pre-deployment checklist\n\n"
        md += "- date: \(ISO8601DateFormatter().string(from: started))\n"
        md += "- version: \(version())\n"
        if let bot { md += "- bot: `\(bot)`\n" }
        if let seed { md += "- seed: `\(seed)`\n" }
        md += "- result: **\(passed) of \(total) item(s) hold**\n\n"
        for section in sections {
            md += "## \(section.title)\n\n"
            if let note = section.note, section.items.isEmpty { md += note + "\n" }
            for item in section.items {
                md += "- [\(item.passed ? "x" : " ")] " + (item.isWarning ? "**warning:** " : "") + "\(item.claim) — *\(item.proof)*" + (item.detail.isEmpty ? "" : ": \(item.detail)") + "\n"
            }
            md += "\n"
        }
        if let journal {
            md += MarkdownReport.render(journal, title: "Scenario results").replacingOccurrences(of: "\n## ", with: "\n### ")
                .replacingOccurrences(of: "# Scenario results", with: "## Scenario results")
        }
        return md
    }

    /// `metro-bot <BotVersion.current>`, with the package's `git describe` when it can be read.
    static func version() -> String {
        let git = BotBinary.run("git", ["describe", "--always", "--dirty"])?.trimmingCharacters(in: .whitespacesAndNewlines)
        return "metro-bot \(BotVersion.current)" + (git.map { $0.isEmpty ? "" : " (git \($0))" } ?? "")
    }
}

extension String {
    /// The first line, at most `limit` characters (with … when cut).
    func prefixLine(_ limit: Int) -> String {
        let line = split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return line.count > limit ? String(line.prefix(limit)) + "…" : line
    }
}
