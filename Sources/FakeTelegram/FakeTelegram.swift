import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import MetroSupport

/// A fake Telegram Bot API server, in process, on a loopback port: a faithful subset of the Bot
/// API at `/bot<token>/<method>`, webhook delivery with retries, a control API at `/control/…`,
/// and the same control operations as Swift methods.
///
/// ```swift
/// try await FakeTelegram.withRunning { fake in
///     let bot = await fake.registerBot()
///     // point the bot at fake.baseURL with bot.token …
///     try await fake.sendUserMessage(userID: 1001, text: "/start")
/// }
/// ```
public final class FakeTelegram: Sendable {
    let state: FakeTelegramState
    /// The configuration the fake runs with.
    public let configuration: Configuration
    /// The port the server listens on (the ephemeral one when configured with 0).
    public let port: Int
    /// `"http://<host>:<port>"`: the `TELEGRAM_API_BASE_URL` for a bot.
    public let baseURL: String

    init(state: FakeTelegramState, configuration: Configuration, port: Int) {
        self.state = state
        self.configuration = configuration
        self.port = port
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        self.baseURL = "http://\(host):\(port)"
    }

    /// Starts the server, runs `body`, and always shuts the server down (on error too): open long
    /// polls answer, held `timeout` faults end, webhook delivery stops.
    /// - Parameters:
    ///   - configuration: defaults to `Configuration()` (127.0.0.1, ephemeral port).
    ///   - body: the code that uses the running fake.
    /// - Throws: `body`'s error, or the server's (e.g. the port is taken).
    public static func withRunning<T: Sendable>(
        _ configuration: Configuration = .init(),
        _ body: @Sendable (FakeTelegram) async throws -> T
    ) async throws -> T {
        if let problem = configuration.problem { throw ConfigurationError(message: problem) }
        let doorbell = Doorbell()
        let state = FakeTelegramState(configuration: configuration, doorbell: doorbell)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 100)))
        let placeholder = FakeTelegram(state: state, configuration: configuration, port: 0)
        let router = Router(context: FakeTelegramRequestContext.self)
        router.middlewares.add(BotAPIMiddleware(state: state, configuration: configuration))
        ControlRoutes(fake: placeholder).register(on: router)
        let app = Application(
            router: router,
            server: .http1(limits: configuration.serverLimits),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: configuration.logger)
        let delivery = WebhookDelivery(
            state: state, doorbell: doorbell, httpClient: httpClient, configuration: configuration,
            logger: configuration.logger)
        // Stopped only gracefully, even when the caller is cancelled (see ShieldedServiceGroup).
        let server = ShieldedServiceGroup(services: [app], logger: configuration.logger) { portContinuation.finish() }
        let result: Result<T, any Error>
        do {
            result = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await delivery.run() }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else {
                    // Cancelled while the server started, or the server stopped before it listened.
                    await state.shutDown()
                    try await server.stop()
                    try Task.checkCancellation()
                    throw ConfigurationError(message: "the fake Telegram server stopped before it listened")
                }
                let fake = FakeTelegram(state: state, configuration: configuration, port: port)
                let outcome: Result<T, any Error>
                do {
                    outcome = .success(try await body(fake))
                } catch {
                    outcome = .failure(error)
                }
                await state.shutDown()
                try await server.stop()
                while let _ = try? await group.next() {}
                return outcome
            }
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try? await httpClient.shutdown()
        return try result.get()
    }

    /// Registers a bot as BotFather would.
    /// - Parameters:
    ///   - username: defaults to `"metropolitan_test_bot"`.
    ///   - firstName: defaults to `"Metropolitan"`.
    /// - Returns: the bot, with its token `"<id>:<35 URL-safe characters>"`.
    public func registerBot(username: String = "metropolitan_test_bot", firstName: String = "Metropolitan") async -> RegisteredBot {
        await state.registerBot(username: username, firstName: firstName)
    }

    /// The bots registered so far, in order.
    public func registeredBots() async -> [RegisteredBot] { await state.registeredBots }

    /// A text message from a user in their private chat (chat id = user id).
    /// - Parameters:
    ///   - userID: the user (and chat) id, positive.
    ///   - text: 1–4096 characters; a leading `/command` gets a `bot_command` entity.
    ///   - firstName: defaults to the name the user had, else `"User <id>"`.
    ///   - username: defaults to the username the user had, else none.
    ///   - bot: the bot's id; defaults to the first registered bot.
    @discardableResult
    public func sendUserMessage(
        userID: Int64, text: String, firstName: String? = nil, username: String? = nil, bot: Int64? = nil
    ) async throws -> InjectedUpdate {
        try await state.injectMessageChecked(bot: bot, userID: userID, text: text, firstName: firstName, username: username)
    }

    /// A location message from a user (coordinates passed through as given, even out of range).
    /// - Parameter bot: defaults to the first registered bot.
    @discardableResult
    public func sendLocation(userID: Int64, latitude: Double, longitude: Double, bot: Int64? = nil) async throws -> InjectedUpdate {
        try await state.injectLocationChecked(bot: bot, userID: userID, latitude: latitude, longitude: longitude)
    }

    /// A press on an inline button: a callback query with `data` on the bot's message `messageID`
    /// (defaults to the bot's last message in the user's chat).
    /// - Parameter bot: defaults to the first registered bot.
    @discardableResult
    public func sendCallback(userID: Int64, data: String, messageID: Int64? = nil, bot: Int64? = nil) async throws -> InjectedUpdate {
        try await state.injectCallbackChecked(bot: bot, userID: userID, data: data, messageID: messageID)
    }

    /// Any update, given without `update_id`, e.g. `{"edited_message": {…}}`.
    /// - Parameter bot: defaults to the first registered bot.
    @discardableResult
    public func injectUpdate(_ update: JSONValue, bot: Int64? = nil) async throws -> InjectedUpdate {
        try await state.injectRawChecked(bot: bot, update: update)
    }

    /// Any update as JSON text, given without `update_id`.
    /// - Parameter bot: defaults to the first registered bot.
    @discardableResult
    public func injectUpdate(json: String, bot: Int64? = nil) async throws -> InjectedUpdate {
        guard let value = JSONValue.parse(json) else { throw FakeTelegramError.invalidUpdate("the text is not valid JSON") }
        return try await injectUpdate(value, bot: bot)
    }

    /// The messages the bot sent to a chat, in order, edits applied, deleted ones left out.
    /// - Parameter bot: defaults to the first registered bot.
    public func chatMessages(chatID: Int64, bot: Int64? = nil) async throws -> [ChatMessage] {
        try await state.transcriptChecked(bot: bot, chatID: chatID)
    }

    /// The Bot API calls the bot made, in the order the fake answered them, each with when it
    /// arrived (`RecordedCall.at`; a long poll, or a call a `delay` fault holds, is recorded when
    /// answered); only those of `method` (case-insensitive) when given.
    /// - Parameters:
    ///   - method: defaults to `nil` (every method).
    ///   - bot: defaults to the first registered bot.
    public func calls(method: String? = nil, bot: Int64? = nil) async throws -> [TelegramCall] {
        try await state.callsChecked(bot: bot, method: method)
    }

    /// The state of an update, `nil` if this bot has no such update.
    /// - Parameter bot: defaults to the first registered bot.
    public func updateState(updateID: Int64, bot: Int64? = nil) async throws -> UpdateStatus? {
        try await state.updateStatusChecked(bot: bot, updateID: updateID)
    }

    /// Adds a fault rule; returns its id for `removeFaults(id:)`.
    /// - Parameter bot: defaults to the first registered bot.
    @discardableResult
    public func addFault(_ rule: TelegramFaultRule, bot: Int64? = nil) async throws -> String {
        try await state.addFaultChecked(rule, bot: bot)
    }

    /// Removes the fault `id`, or every fault when `id` is `nil`; answers whether one was removed.
    /// - Parameters:
    ///   - id: defaults to `nil` (all).
    ///   - bot: defaults to the first registered bot.
    @discardableResult
    public func removeFaults(id: String? = nil, bot: Int64? = nil) async throws -> Bool {
        try await state.removeFaultsChecked(bot: bot, id: id)
    }

    /// Makes webhook deliveries fail as if the bot's URL were unreachable (`true`) or work again.
    /// - Parameter bot: defaults to the first registered bot.
    public func setWebhookOutage(_ down: Bool, bot: Int64? = nil) async throws {
        try await state.setOutageChecked(bot: bot, down: down)
    }

    /// Whether a getUpdates long poll of the bot is open right now.
    /// - Parameter bot: defaults to the first registered bot.
    public func hasOpenLongPoll(bot: Int64? = nil) async throws -> Bool {
        try await state.hasOpenLongPollChecked(bot: bot)
    }

    /// Forgets updates, chats, webhooks, faults and the journal; registered bots and tokens stay.
    public func reset() async { await state.reset() }

    /// Runs the fake until SIGINT or SIGTERM (or until the task is cancelled), the way
    /// `chaos fakes` serves it: registers one bot, then calls `onReady` with the fake and the bot.
    /// - Parameters:
    ///   - configuration: defaults to `Configuration()`; set its logger to `info` to see one line per request.
    ///   - onReady: told the base URL and token once the server listens.
    public static func runUntilSignalled(
        _ configuration: Configuration = .init(),
        onReady: @Sendable (FakeTelegram, RegisteredBot) async throws -> Void
    ) async throws {
        try await withRunning(configuration) { fake in
            let bot = await fake.registerBot()
            try await onReady(fake, bot)
            // The first SIGINT or SIGTERM; cancellation ends the wait too.
            for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
        }
    }
}

/// The configuration cannot be used; `message` says why.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public let message: String
    public var description: String { message }
}
