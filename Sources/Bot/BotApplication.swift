import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The bot, built from a `BotConfiguration`: opens and migrates the store, builds the clients and
/// services, and runs them in one `ServiceGroup` until SIGTERM/SIGINT.
///
/// `Sources/metro-bot/main.swift` only reads the environment and calls `run()`. Issue 5 adds the
/// HTTP server, the webhook supervisor, health and the resource monitor as more services in
/// `BotServices.all`.
public struct BotApplication: Sendable {
    /// The validated configuration.
    public let configuration: BotConfiguration
    /// The root logger; services log under it with their own metadata.
    public let logger: Logger

    /// Creates the application.
    public init(configuration: BotConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs the bot until a graceful-shutdown signal (or cancellation), then closes the store and
    /// shuts the HTTP client down after every service returned.
    /// - Parameter gracefulShutdownSignals: Defaults to SIGTERM and SIGINT; tests pass none and
    ///   cancel the task instead.
    public func run(gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        try await withServices { services in
            var groupConfiguration = ServiceGroupConfiguration(
                services: services.all.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: gracefulShutdownSignals,
                logger: logger
            )
            groupConfiguration.maximumGracefulShutdownDuration = configuration.timing.shutdownGrace
            try await ServiceGroup(configuration: groupConfiguration).run()
        }
    }

    /// Opens the store, builds the services, passes them to `body` and, once `body` returned or
    /// threw, shuts the HTTP client down and closes the store.
    public func withServices<T>(_ body: (BotServices) async throws -> T) async throws -> T {
        let database = try BotDatabase(path: configuration.store.databasePath)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            timeout: .init(connect: .init(configuration.timing.httpTimeout))
        ))
        let result: Result<T, any Error>
        do {
            let services = try BotServices(configuration: configuration, database: database, httpClient: httpClient, logger: logger)
            if configuration.webhook.url != nil {
                logger.warning("WEBHOOK_URL is set but webhook mode is not built yet; polling instead", metadata: ["mode": "polling"])
            }
            result = .success(try await body(services))
        } catch {
            result = .failure(error)
        }
        try? await httpClient.shutdown()
        try? database.close()
        return try result.get()
    }
}

/// The bot's parts, built from the configuration; `all` is the order they run in (they shut down
/// in reverse: the poller stops taking updates first, then the workers drain).
public struct BotServices: Sendable {
    /// The store, opened and migrated.
    public let database: BotDatabase
    /// The Bot API client.
    public let telegram: TelegramClient
    /// The Sheets client.
    public let sheets: SheetsClient
    /// The one entry point for updates (polling now, webhook in issue 5).
    public let intake: UpdateIntake
    /// Appends queued rows to the sheet.
    public let outboxWorker: OutboxWorker
    /// Sends recorded replies.
    public let replySender: ReplySender
    /// Deletes expired pending actions.
    public let cleanupJob: CleanupJob
    /// Long-polls Telegram.
    public let poller: Poller

    /// Builds every part; nothing runs until the services' `run()`.
    public init(configuration: BotConfiguration, database: BotDatabase, httpClient: HTTPClient, logger: Logger) throws {
        self.database = database
        let timeout = configuration.timing.httpTimeout
        telegram = TelegramClient(token: configuration.telegram.token, baseURL: configuration.telegram.apiBaseURL.absoluteString,
                                  httpClient: httpClient, timeout: timeout, logger: logger)
        let tokens = try AccessTokenProvider(key: configuration.sheets.credentials, httpClient: httpClient, timeout: timeout, logger: logger)
        sheets = SheetsClient(spreadsheetID: configuration.sheets.spreadsheetID, sheetName: configuration.sheets.sheetName,
                              baseURL: configuration.sheets.apiBaseURL.absoluteString, tokens: tokens,
                              httpClient: httpClient, timeout: timeout, logger: logger)
        let outboxDoorbell = Doorbell()
        let replyDoorbell = Doorbell()
        let conversation = Conversation(locationService: LocationService(sites: configuration.location.sites),
                                        pendingActionTTL: configuration.store.pendingActionTTL)
        intake = UpdateIntake(database: database, conversation: conversation, outboxDoorbell: outboxDoorbell,
                              replyDoorbell: replyDoorbell, logger: logger)
        outboxWorker = OutboxWorker(database: database, sheets: sheets, doorbell: outboxDoorbell,
                                    settleDelay: timeout, logger: logger)
        replySender = ReplySender(database: database, telegram: telegram, doorbell: replyDoorbell, logger: logger)
        cleanupJob = CleanupJob(database: database, interval: configuration.store.cleanupInterval, logger: logger)
        // The long poll must end well before the HTTP deadline is the only bound on it.
        poller = Poller(telegram: telegram, intake: intake, pollTimeoutSeconds: 25, logger: logger)
    }

    /// The services in start order.
    public var all: [any Service] {
        [outboxWorker, replySender, cleanupJob, poller]
    }
}
