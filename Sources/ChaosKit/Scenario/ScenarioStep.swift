/// One step of a scenario, where it was written and the name its result is saved under.
public struct ScenarioStep: Sendable {
    /// What the step does.
    public var action: StepAction
    /// The name a later step or expectation uses (`$name`) to refer to this step's result:
    /// the update id for `send`, the time the step finished for every other step. Defaults to none.
    public var saveAs: String?
    /// The bot instance the step acts on or reads (`start_bot`, `stop_bot`, `restart_bot`,
    /// `signal`, `wait_until` on the bot, its health or its log, `http` to the bot). Defaults to
    /// ``BotInstanceName/default``.
    public var instance: String
    /// Where the step is written.
    public var location: SourceLocation

    /// Creates a step.
    public init(action: StepAction, saveAs: String? = nil, instance: String = BotInstanceName.default, location: SourceLocation) {
        self.action = action
        self.saveAs = saveAs
        self.instance = instance
        self.location = location
    }
}

/// What a step does. Each case is one key of a step mapping; docs/SCENARIOS.md has an example each.
public enum StepAction: Sendable {
    /// Starts the bot (an error if it is running), with extra environment for this start.
    case startBot(env: [String: String])
    /// Sends `signal` and waits up to `timeout` for the bot to exit; then SIGKILL.
    case stopBot(signal: BotSignal, timeout: Duration)
    /// Stops the bot as ``stopBot(signal:timeout:)`` does, then starts it again with the same database.
    case restartBot(signal: BotSignal, timeout: Duration, env: [String: String])
    /// Sends a real signal to the bot process and does not wait.
    case signal(BotSignal)
    /// Injects an update through the fake Telegram.
    case send(SendStep)
    /// Installs a fault rule on one fake.
    case fault(ScenarioFault)
    /// Removes every fault rule of one fake, or of both when `target` is nil.
    case clearFaults(target: FaultTarget?)
    /// Makes webhook deliveries fail as if the bot were unreachable (`true`) or heals them.
    case webhookOutage(down: Bool)
    /// Cuts the scenario's PostgreSQL database off (`true`: it refuses connections and the open
    /// ones are closed, as when the server is unreachable) or lets it back; PostgreSQL only.
    case storeOutage(down: Bool)
    /// Many users sending many messages at once.
    case flood(FloodStep)
    /// Sets `MEMORY_LIMIT_BYTES` for the next start of the bot.
    case memoryLimit(bytes: Int64)
    /// Waits a fixed time. Prefer `wait_until` where there is a condition to wait for.
    case sleep(Duration)
    /// Polls `condition` until it holds; the step fails when `timeout` passes first.
    case waitUntil(WaitCondition, timeout: Duration)
    /// Sends an HTTP request straight to the bot (its webhook, `/health`, `/shutdown`) or to a
    /// fake, and checks the status code.
    case http(HTTPStep)
    /// Opens slow connections to the bot in the background (`wait_until: {slowloris: closed}`
    /// waits for the bot to have closed them all).
    case slowloris(SlowlorisStep)

    /// The step's key in a scenario file.
    public var keyword: String {
        switch self {
        case .startBot: "start_bot"
        case .stopBot: "stop_bot"
        case .restartBot: "restart_bot"
        case .signal: "signal"
        case .send: "send"
        case .fault: "fault"
        case .clearFaults: "clear_faults"
        case .webhookOutage: "webhook_outage"
        case .storeOutage: "store_outage"
        case .flood: "flood"
        case .memoryLimit: "memory_limit"
        case .sleep: "sleep"
        case .waitUntil: "wait_until"
        case .http: "http"
        case .slowloris: "slowloris"
        }
    }

    /// Whether the step disturbs the system; `steady_state` runs before the first of these.
    public var injectsFault: Bool {
        switch self {
        case .fault, .webhookOutage, .storeOutage, .signal, .stopBot, .restartBot, .memoryLimit, .flood, .slowloris: true
        default: false
        }
    }
}

/// A signal the runner may send to the bot.
public enum BotSignal: String, Sendable, CaseIterable, Codable {
    /// SIGTERM: graceful shutdown.
    case term = "TERM"
    /// SIGINT: graceful shutdown, as Ctrl-C.
    case int = "INT"
    /// SIGKILL: immediate death, no cleanup.
    case kill = "KILL"

    /// The signal number.
    public var number: Int32 {
        switch self {
        case .term: 15
        case .int: 2
        case .kill: 9
        }
    }
}

/// An update injected through the fake Telegram's control API.
public struct SendStep: Sendable, Equatable {
    /// What the update carries.
    public enum Payload: Sendable, Equatable {
        /// A text message (`/checkin`, `Check in`, anything).
        case text(String)
        /// A location message.
        case location(latitude: Double, longitude: Double)
        /// A callback query from an inline button.
        case callback(data: String, messageID: Int64?)
        /// Any update, as JSON without `update_id`.
        case raw(json: String)
    }

    /// The sending user's id; nil only for raw updates.
    public var user: Int64?
    /// What is sent.
    public var payload: Payload

    /// Creates a send step.
    public init(user: Int64?, payload: Payload) {
        self.user = user
        self.payload = payload
    }
}

/// Many users sending messages concurrently.
public struct FloodStep: Sendable, Equatable {
    /// How many distinct users (ids 900001, 900002, …).
    public var users: Int
    /// How many messages each user sends.
    public var messages: Int
    /// How many sends are in flight at once. Defaults to 8.
    public var concurrency: Int
    /// What each message is: a text, or a whole check-in (`/checkin` then a location).
    public var content: Content
    /// Filler bytes appended to each text (after a space), to press on the bot's memory with
    /// large webhook bodies; nil sends the text alone. Padded texts go through the fake's raw
    /// update route, as its user-message route keeps Telegram's 4096-character limit.
    public var padding: Int?

    /// What a flood sends.
    public enum Content: Sendable, Equatable {
        /// The same text from everyone.
        case text(String)
        /// `/checkin` followed by a location at the first site.
        case checkIn
    }

    /// Creates a flood.
    public init(users: Int, messages: Int, concurrency: Int = 8, content: Content, padding: Int? = nil) {
        self.users = users
        self.messages = messages
        self.concurrency = concurrency
        self.content = content
        self.padding = padding
    }

    /// The largest `padding`: the bot answers 413 to a webhook body over 1 MiB, so a larger
    /// update would never be delivered.
    public static let maximumPadding = 1_000_000

    /// The id of the flood's `index`-th user (0-based).
    public static func userID(_ index: Int) -> Int64 { 900_001 + Int64(index) }
}

/// A request sent straight to the bot's HTTP server.
public struct HTTPStep: Sendable, Equatable {
    /// The secret-token header sent with a webhook request, or the bearer token for `/shutdown`.
    public enum Credential: String, Sendable, CaseIterable {
        /// The right one (the runner knows the webhook secret and the admin token).
        case valid
        /// A wrong value.
        case wrong
        /// No header.
        case none
    }

    /// `GET` or `POST`. Defaults to `POST`.
    public var method: String
    /// The path, such as `/telegram/webhook`, `/health`, `/shutdown`.
    public var path: String
    /// The header credential. Defaults to ``Credential/valid``.
    public var credential: Credential
    /// The body: literal text.
    public var body: String?
    /// Instead of `body`: that many bytes of a JSON string, to test size limits.
    public var bodySize: Int64?
    /// Instead of `body`: that many `[` and nothing else, to test the JSON nesting guard (513
    /// crashed Foundation's parser).
    public var bodyNesting: Int?
    /// The status code the bot must answer; the step fails otherwise. Defaults to any.
    public var expectStatus: Int?
    /// Who gets the request: the bot, or one of the fakes (`telegram`, `sheets`), whose control
    /// and API routes are then addressed by `path`. Defaults to the bot.
    public var target: HTTPTarget

    /// Creates an HTTP step.
    public init(method: String = "POST", path: String, credential: Credential = .valid, body: String? = nil, bodySize: Int64? = nil,
                bodyNesting: Int? = nil, expectStatus: Int? = nil, target: HTTPTarget = .bot) {
        self.method = method
        self.path = path
        self.credential = credential
        self.body = body
        self.bodySize = bodySize
        self.bodyNesting = bodyNesting
        self.expectStatus = expectStatus
        self.target = target
    }
}

/// The server an `http` step talks to.
public enum HTTPTarget: String, Sendable, CaseIterable {
    /// The bot under test.
    case bot
    /// The fake Telegram.
    case telegram
    /// The fake Sheets.
    case sheets
}

/// `slowloris`: connections to the bot that send a request head a byte at a time and never
/// finish it, held in the background until the bot closes them or the scenario ends.
public struct SlowlorisStep: Sendable, Equatable {
    /// How many connections.
    public var connections: Int
    /// Time between the bytes each connection trickles. Defaults to 1 second.
    public var interval: Duration

    /// Creates the step.
    public init(connections: Int, interval: Duration = .seconds(1)) {
        self.connections = connections
        self.interval = interval
    }
}
