import AsyncHTTPClient
import FakeSheets
import FakeTelegram
import Foundation
import Logging

/// Runs one scenario from scratch: fresh in-process fakes on ephemeral loopback ports, a bot
/// registered with the fake Telegram, a spreadsheet with its `Attendance` sheet, a temporary
/// workspace — then the steps and checks, then everything torn down (the workspace too, unless
/// `keep`). Scenarios share nothing, so any number can run in parallel.
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

    /// Creates a runner.
    public init(botExecutable: URL?, http: HTTPClient = .shared, keep: Bool = false, serviceAccountKeyPEM: String? = nil) {
        self.botExecutable = botExecutable
        self.http = http
        self.keep = keep
        self.serviceAccountKeyPEM = serviceAccountKeyPEM
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
        do {
            journal = try await withFakes(seed: seed) { endpoints in
                let execution = try ScenarioExecution(scenario: scenario, seed: seed, endpoints: endpoints, botExecutable: botExecutable,
                                                      workspace: workspace, http: http)
                return await execution.run(inspect: inspect)
            }
        } catch {
            journal = failed(scenario, seed: seed, started: started, "the runner could not set up the scenario: \(error)")
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
