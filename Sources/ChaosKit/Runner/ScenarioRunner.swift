import AsyncHTTPClient
import FakeSheets
import FakeTelegram
import Foundation
import Logging

/// Runs one scenario from scratch: fresh in-process fakes on ephemeral loopback ports, a bot
/// registered with the fake Telegram, a spreadsheet with its `Attendance` sheet, a temporary
/// workspace, with several instances a round-robin front before their webhooks, with the
/// PostgreSQL store a fresh database — then the steps and checks, then everything torn down (the
/// workspace too, unless `keep`). Scenarios share nothing, so any number can run in parallel.
public struct ScenarioRunner: Sendable {
    /// The bot executable; nil when no scenario starts the bot.
    public var botExecutable: URL?
    /// The HTTP client for control APIs and the bot.
    public var http: HTTPClient
    /// Leave the workspace for inspection. Defaults to false.
    public var keep: Bool
    /// The fake Sheets' service-account key (PKCS#8 PEM); nil generates a new one per scenario.
    /// A test process running many scenarios passes one: generating a 2048-bit key costs a
    /// noticeable fraction of a second of CPU in a debug build.
    public var serviceAccountKeyPEM: String?
    /// The store of scenarios that do not require one (`chaos run --store`). Defaults to SQLite.
    public var store: BotStore
    /// The server PostgreSQL scenarios get their database on; nil when none runs.
    public var postgres: PostgresServer?

    /// Creates a runner.
    public init(botExecutable: URL?, http: HTTPClient = .shared, keep: Bool = false, serviceAccountKeyPEM: String? = nil,
                store: BotStore = .sqlite, postgres: PostgresServer? = nil) {
        self.botExecutable = botExecutable
        self.http = http
        self.keep = keep
        self.serviceAccountKeyPEM = serviceAccountKeyPEM
        self.store = store
        self.postgres = postgres
    }

    /// The store `scenario` runs on: its own `store:`, else the run's.
    public func store(of scenario: Scenario) -> BotStore {
        scenario.store ?? store
    }

    /// Whether the scenario gets a round-robin front: several instances receiving webhooks.
    public static func needsFront(_ scenario: Scenario) -> Bool {
        scenario.bot.mode == .webhook && scenario.instances.count > 1
    }

    /// Runs `scenario` with `seed` and returns its journal; never throws — a runner problem
    /// (a fake that did not start) is a journal with outcome ``ScenarioJournal/Outcome/error``.
    public func run(_ scenario: Scenario, seed: UInt64) async -> ScenarioJournal {
        await run(scenario, seed: seed, inspect: nil)
    }

    /// Runs `scenario` as ``run(_:seed:)`` does, calling `inspect` after its expectations while
    /// the bot and the fakes still run (see ``ScenarioExecution/run(inspect:)``).
    func run(_ scenario: Scenario, seed: UInt64, inspect: (@Sendable (ScenarioExecution) async -> Void)?) async -> ScenarioJournal {
        let started = ContinuousClock.now
        let workspace: ScenarioWorkspace
        do {
            workspace = try ScenarioWorkspace.create(name: scenario.name)
        } catch {
            return failed(scenario, seed: seed, started: started, "cannot create a temporary directory: \(error)")
        }
        var journal: ScenarioJournal
        let database: ScenarioDatabase?
        do {
            database = try await createDatabase(for: scenario)
        } catch {
            workspace.remove()
            return failed(scenario, seed: seed, started: started, "the runner could not create the scenario's database: \(error)")
        }
        do {
            journal = try await withFakes(seed: seed) { endpoints in
                try await withFront(Self.needsFront(scenario)) { front in
                    let execution = try ScenarioExecution(scenario: scenario, seed: seed, endpoints: endpoints, botExecutable: botExecutable,
                                                          workspace: workspace, http: http, front: front, database: database)
                    return await execution.run(inspect: inspect)
                }
            }
        } catch {
            journal = failed(scenario, seed: seed, started: started, "the runner could not set up the scenario: \(error)")
        }
        if let database, let postgres {
            do {
                try await postgres.dropDatabase(database)
            } catch {
                journal.outcome = journal.outcome == .passed ? .error : journal.outcome
                journal.failure = (journal.failure.map { $0 + "; " } ?? "") + "the runner could not drop its database: \(error)"
            }
        }
        if keep {
            journal.keptDirectory = workspace.directory.path
        } else {
            workspace.remove()
        }
        return journal
    }

    func failed(_ scenario: Scenario, seed: UInt64, started: ContinuousClock.Instant, _ message: String) -> ScenarioJournal {
        ScenarioJournal(name: scenario.name, description: scenario.description, file: scenario.file, tags: scenario.tags, seed: seed,
                        outcome: .error, failure: message, durationSeconds: (ContinuousClock.now - started).seconds)
    }

    /// A fresh PostgreSQL database when the scenario runs on PostgreSQL, else nil.
    func createDatabase(for scenario: Scenario) async throws -> ScenarioDatabase? {
        guard store(of: scenario) == .postgres else { return nil }
        guard let postgres else { throw ChildCommand.Failure(description: "the scenario runs on PostgreSQL and no server was located") }
        return try await postgres.createDatabase(scenario: scenario.name)
    }

    /// Runs `body` with a round-robin front when `needed`, else with none.
    func withFront<Result: Sendable>(_ needed: Bool, _ body: @Sendable (WebhookFront?) async throws -> Result) async throws -> Result {
        guard needed else { return try await body(nil) }
        return try await WebhookFront.withRunning { try await body($0) }
    }

    /// Starts both fakes, registers the bot and creates the spreadsheet, runs `body`, stops them.
    func withFakes<Result: Sendable>(seed: UInt64, _ body: @Sendable (FakeEndpoints) async throws -> Result) async throws -> Result {
        // Webhook delivery retries and timeouts shortened like the bot's own timings, so that
        // outages and redeliveries play out in seconds; both fakes draw from the scenario's seed.
        var telegramConfiguration = FakeTelegram.Configuration()
        telegramConfiguration.deliveryRetryBaseDelay = .milliseconds(200)
        telegramConfiguration.deliveryRetryMaxDelay = .seconds(2)
        telegramConfiguration.deliveryTimeout = .seconds(5)
        telegramConfiguration.seed = seed
        // The fakes' own logs would interleave with the progress lines; the journal and the
        // control API are the record.
        telegramConfiguration.logger.logLevel = .critical
        let sheetsConfiguration = FakeSheets.Configuration(seed: seed, serviceAccountKeyPEM: serviceAccountKeyPEM)
        return try await FakeTelegram.withRunning(telegramConfiguration) { telegram in
            try await FakeSheets.withRunning(sheetsConfiguration) { sheets in
                let bot = await telegram.registerBot()
                let spreadsheetID = try await sheets.createSpreadsheet(sheets: ["Attendance"])
                let credentials = await sheets.serviceAccountKeyJSON()
                let endpoints = FakeEndpoints(telegram: telegram, sheets: sheets, botToken: bot.token,
                                              spreadsheetID: spreadsheetID, credentials: credentials)
                return try await body(endpoints)
            }
        }
    }
}
