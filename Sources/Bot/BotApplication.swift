import AsyncHTTPClient
import Foundation
import Logging
import MetroSupport
import NIOCore
import NIOPosix
import Hummingbird
import ServiceLifecycle
import UnixSignals

/// The bot, built from a `BotConfiguration`: opens and migrates the store, builds the clients and
/// services, and runs them in one `ServiceGroup` until SIGTERM/SIGINT.
///
/// `Sources/metro-bot/main.swift` only reads the environment and calls `run()`; the parts are
/// built by `BotServices`, which also fixes their order.
public struct BotApplication: Sendable {
    /// The validated configuration.
    public let configuration: BotConfiguration
    /// The root logger; services log under it with their own metadata.
    public let logger: Logger

    /// The one event-loop thread on which the bot's HTTP client and its HTTP server (which takes
    /// the client's group) read and write their sockets; the handlers and the client's callers run
    /// on Swift's cooperative pool. NIO's default group has a thread per core: on two cores those
    /// threads and the pool's took turns on the same CPUs, and one I/O thread served more webhook
    /// deliveries per second at less CPU each (figures: docs/BENCHMARKS.md, "Bot runtime"). The
    /// bot's own work is bounded by its one SQLite writer long before one I/O
    /// thread is. Every `BotApplication` in a process shares it, as they would NIO's singleton
    /// group.
    static let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

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
            var all = services.configurations
            if !gracefulShutdownSignals.isEmpty {
                all.insert(.init(service: SecondSignalExit(signals: gracefulShutdownSignals, logger: logger)), at: 0)
            }
            var groupConfiguration = ServiceGroupConfiguration(
                services: all, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger)
            groupConfiguration.maximumGracefulShutdownDuration = configuration.timing.shutdownGrace
            services.journal.record(JournalEvent(.started, fields: [
                "version": BotVersion.current, "webhook": configuration.webhook.url == nil ? "none" : "configured",
            ]))
            let outcome: Result<Void, any Error>
            do {
                try await ServiceGroup(configuration: groupConfiguration).run()
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            // The journal's service has returned: the stop is written directly.
            let stopped = switch outcome {
            case .success: JournalEvent(.stopped, fields: ["exit_code": "0"])
            case .failure(let error): JournalEvent(.stopped, severity: .error, fields: ["exit_code": "1", "error": "\(error)"])
            }
            try? await services.database.appendJournal(events: [stopped], updates: [])
            try outcome.get()
        }
    }

    /// Opens the store, builds the services, passes them to `body` and, once `body` returned or
    /// threw, shuts the HTTP client down and closes the store.
    public func withServices<T>(_ body: (BotServices) async throws -> T) async throws -> T {
        let database = try await openStore()
        var clientConfiguration = HTTPClient.Configuration(timeout: .init(connect: .init(configuration.timing.httpTimeout)))
        // A connection to Telegram for each chat the reply sender serves at once, and one for the
        // poller's long poll. With AsyncHTTPClient's default of 8, 24 of the sender's 32 sends
        // waited in the pool's queue, and the queueing cost more CPU than the extra connections
        // (figures: docs/BENCHMARKS.md, "The bot's HTTP connection pool").
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = ReplySender.defaultMaxConcurrentChats + 1
        let httpClient = HTTPClient(eventLoopGroupProvider: .shared(BotApplication.eventLoopGroup), configuration: clientConfiguration)
        let result: Result<T, any Error>
        do {
            let services = try BotServices(configuration: configuration, database: database, httpClient: httpClient,
                                           logger: logger)
            result = .success(try await body(services))
        } catch {
            result = .failure(error)
        }
        try? await httpClient.shutdown()
        try? await database.close()
        return try result.get()
    }

    /// The store `DATABASE_URL` or `DATABASE_PATH` names, opened and migrated.
    func openStore() async throws -> any BotStore {
        guard let postgres = configuration.store.postgres else {
            return try BotDatabase(path: configuration.store.databasePath)
        }
        var storeConfiguration = PostgresStore.Configuration()
        // A claim must outlast an append's settle delay (see `PostgresStore.Configuration`).
        storeConfiguration.claimLease = OutboxWorker.settleDelay(forHTTPTimeout: configuration.timing.httpTimeout) * 2
        return try await PostgresStore.open(settings: postgres, configuration: storeConfiguration, logger: logger)
    }
}

/// The bot's parts, built from the configuration; `all` is the order they run in. They shut down
/// in reverse: the stopping flag first (deliveries get 503), then the HTTP server drains, the
/// supervisor stops polling, and the workers flush what they can within `SHUTDOWN_GRACE`.
public struct BotServices: Sendable {
    /// The store, opened and migrated.
    public let database: any BotStore
    /// The Bot API client.
    public let telegram: TelegramClient
    /// The Sheets client.
    public let sheets: SheetsClient
    /// The one entry point for updates, from the webhook and from polling.
    public let intake: UpdateIntake
    /// Appends queued rows to the sheet.
    public let outboxWorker: OutboxWorker
    /// Sends recorded replies.
    public let replySender: ReplySender
    /// Deletes expired pending actions.
    public let cleanupJob: CleanupJob
    /// Long-polls Telegram when the supervisor says so.
    public let poller: Poller
    /// Mode, webhook state and last Telegram error.
    public let status: RuntimeStatus
    /// What `/metrics` shows.
    public let metrics: BotMetrics
    /// Memory, CPU and disk; sheds new pending actions under memory pressure.
    public let resourceMonitor: ResourceMonitor
    /// Webhook or polling, with fallback and return.
    public let supervisor: WebhookSupervisor
    /// Builds `/health`.
    public let health: HealthReporter
    /// The webhook, health, metrics, shutdown and dashboard endpoints.
    public let httpServer: any Service
    /// `POST /shutdown`'s way into the group.
    public let shutdownRequests: ShutdownRequests
    /// What happened, for the dashboard and incident bundles.
    public let journal: EventJournal
    private let stoppingFlag: StoppingFlag

    /// Builds every part; nothing runs until the services' `run()`.
    public init(configuration: BotConfiguration, database: any BotStore, httpClient: HTTPClient, logger: Logger) throws {
        self.database = database
        let timeout = configuration.timing.httpTimeout
        let status = RuntimeStatus()
        let journal = EventJournal(database: database, logger: logger)
        self.journal = journal
        let metrics = BotMetrics(journal: journal)
        self.status = status
        self.metrics = metrics
        telegram = TelegramClient(token: configuration.telegram.token, baseURL: configuration.telegram.apiBaseURL.absoluteString,
                                  httpClient: httpClient, timeout: timeout, logger: logger, metrics: metrics)
        let tokens = try AccessTokenProvider(key: configuration.sheets.credentials, httpClient: httpClient, timeout: timeout,
                                             logger: logger, metrics: metrics)
        sheets = SheetsClient(spreadsheetID: configuration.sheets.spreadsheetID, sheetName: configuration.sheets.sheetName,
                              baseURL: configuration.sheets.apiBaseURL.absoluteString, tokens: tokens,
                              httpClient: httpClient, timeout: timeout, logger: logger, metrics: metrics)
        let outboxDoorbell = Doorbell()
        let replyDoorbell = Doorbell()
        let conversation = Conversation(locationService: LocationService(sites: configuration.location.sites),
                                        pendingActionTTL: configuration.store.pendingActionTTL)
        let intake = UpdateIntake(database: database, conversation: conversation, outboxDoorbell: outboxDoorbell,
                                  replyDoorbell: replyDoorbell, logger: logger, metrics: metrics,
                                  retrying: RetryingUpdates(maximumAttempts: configuration.intake.poisonUpdateAttempts),
                                  journal: journal)
        self.intake = intake
        let circuitBreaker = CircuitBreaker(onTransition: { from, to in metrics.circuitChanged(from: from, to: to) })
        outboxWorker = OutboxWorker(database: database, sheets: sheets, doorbell: outboxDoorbell,
                                    circuitBreaker: circuitBreaker, settleDelay: OutboxWorker.settleDelay(forHTTPTimeout: timeout),
                                    logger: logger, metrics: metrics)
        replySender = ReplySender(database: database, telegram: telegram, doorbell: replyDoorbell, logger: logger)
        let cleanupJob = CleanupJob(database: database, interval: configuration.store.cleanupInterval,
                                    updateRetention: configuration.intake.updateRetention, logger: logger, metrics: metrics)
        self.cleanupJob = cleanupJob

        let resources = configuration.resources
        let resourceMonitor = ResourceMonitor(
            configuration: .init(
                logInterval: resources.logInterval,
                memoryLimitOverride: resources.memoryLimitBytes.map { UInt64($0) },
                warnPercent: Double(resources.memoryWarnPercent),
                criticalPercent: Double(resources.memoryCriticalPercent),
                diskPath: URL(fileURLWithPath: configuration.store.databasePath).deletingLastPathComponent().path),
            logger: logger,
            onCritical: { _ = try? await cleanupJob.runOnce() },
            onPressureChange: { pressure, snapshot in metrics.resourceAlert(pressure, percent: snapshot.memoryPercent) })
        self.resourceMonitor = resourceMonitor

        // The long poll must end well before the HTTP deadline is the only bound on it.
        let poller = Poller(telegram: telegram, intake: intake, pollTimeoutSeconds: 25,
                            acceptsNewPendingActions: { !resourceMonitor.isShedding }, logger: logger)
        self.poller = poller
        let webhook = configuration.webhook
        let setup = webhook.url.map { base in
            WebhookSetup(
                url: Self.webhookURL(base: base, path: webhook.path), secretToken: webhook.secret,
                allowedUpdates: Poller.allowedUpdates, attempts: webhook.setupAttempts,
                backoff: Backoff(base: webhook.retryBaseDelay, maximum: webhook.retryBaseDelay * 64))
        }
        supervisor = WebhookSupervisor(
            configuration: .init(setup: setup, watchdogInterval: webhook.watchdogInterval,
                                 leadership: database.makeLeadership(), leaderCheckInterval: webhook.leaderCheckInterval),
            telegram: telegram, status: status, metrics: metrics, logger: logger,
            poll: { try await poller.poll() })

        let health = HealthReporter(
            version: BotVersion.current, database: database, status: status, resources: resourceMonitor,
            outbox: outboxWorker.status, circuitBreaker: circuitBreaker, cleanup: cleanupJob.status,
            siteCount: configuration.location.sites.count)
        self.health = health
        let shutdownRequests = ShutdownRequests()
        self.shutdownRequests = shutdownRequests
        // Concurrent deliveries share a transaction (group commit); each is still answered 200
        // only once its own update is stored.
        let deliveries = DeliveryBatcher<IncomingUpdate> { incoming in
            try await intake.handle(incoming, acceptingNewPendingActions: !resourceMonitor.isShedding)
        }
        let router = BotRouter.build(
            webhookPath: webhook.path,
            webhook: WebhookEndpoint(
                secretToken: webhook.secret,
                isStopping: { status.isStopping },
                accept: { received in await intake.receive(received) { try await deliveries.accept($0) } }),
            admin: AdminEndpoint(adminToken: configuration.admin.token, shutdown: { shutdownRequests.request() }),
            deadLetters: DeadLetterEndpoint(database: database, retry: { received in
                await intake.receive(received, source: nil) {
                    try await intake.handle([$0], acceptingNewPendingActions: !resourceMonitor.isShedding)
                }
            }),
            incident: IncidentEndpoint(database: database, environment: configuration.environment),
            dashboard: DashboardEndpoint(database: database, resources: resourceMonitor, health: { await health.report() }),
            metrics: metrics,
            health: { await health.report() })
        let server = configuration.server
        httpServer = Application(
            router: router,
            server: .http1(limits: server.limits),
            configuration: .init(address: .hostname(server.host, port: server.port), serverName: "metro-bot"),
            onServerRunning: { channel in
                logger.info("HTTP server listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            },
            eventLoopGroupProvider: .shared(httpClient.eventLoopGroup),
            logger: logger)
        stoppingFlag = StoppingFlag(status: status, metrics: metrics, logger: logger)
    }

    /// The services in start order.
    public var all: [any Service] {
        [shutdownRequests, journal, outboxWorker, replySender, cleanupJob, resourceMonitor, supervisor, httpServer, stoppingFlag]
    }

    /// `all`, as the group runs them: `shutdownRequests` returning shuts the group down gracefully.
    public var configurations: [ServiceGroupConfiguration.ServiceConfiguration] {
        all.map { service in
            service is ShutdownRequests
                ? .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)
                : .init(service: service)
        }
    }

    static func webhookURL(base: URL, path: String) -> String {
        var base = base.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }
}

/// The bot's version, shown by `/health`.
public enum BotVersion {
    public static let current = "0.1.0"
}
