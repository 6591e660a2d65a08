/// One generated fault schedule: users doing check-in flows interleaved with faults of both
/// fakes, webhook outages and process events. ``ScheduleGenerator`` draws it from a seed;
/// ``ScheduleScenario`` turns it into an ordinary ``Scenario``; ``Shrinker`` removes events from it.
public struct Schedule: Sendable, Equatable {
    /// The run seed the schedule was drawn from.
    public var seed: UInt64
    /// Its index in the run (`--only INDEX`).
    public var index: Int
    /// How the bot receives updates.
    public var mode: BotSettings.Mode
    /// The users whose flows the schedule contains.
    public var users: [ScenarioUser]
    /// What happens, in order.
    public var events: [ScheduleEvent]

    /// Creates a schedule.
    public init(seed: UInt64, index: Int, mode: BotSettings.Mode, users: [ScenarioUser], events: [ScheduleEvent]) {
        self.seed = seed
        self.index = index
        self.mode = mode
        self.users = users
        self.events = events
    }

    /// The chat adversarial and unknown-kind updates are sent in, apart from every user's flow so
    /// that an update the bot can never process does not hold up a user's deliveries.
    public static let adversaryChat: Int64 = 7_000_000_001

    /// The scenario name, `explore-<seed>-<index>`.
    public var name: String { "explore-\(seed)-\(index)" }
}

/// One thing a schedule does.
public enum ScheduleEvent: Sendable, Equatable {
    /// An update from a user; `flow` groups the sends of one check-in/out attempt so that the
    /// shrinker can drop a whole flow at once.
    case send(user: Int64, payload: SendStep.Payload, flow: Int)
    /// An adversarial or unknown-kind update, sent as a raw update in the adversary chat;
    /// `poison` marks one the bot can never process (it must answer 200 and dead-letter it).
    case raw(json: String, poison: Bool)
    /// An update of a kind the bot does not subscribe to, posted straight to its webhook with a
    /// valid secret (webhook mode), since Telegram itself would drop it; the scenario gives it an
    /// `update_id` below the fake's range.
    case webhookPost(json: String)
    /// Waits until the last update sent by every user so far is confirmed, so that what follows
    /// (typically a restart) happens after the bot took them.
    case settleSends
    /// A fault rule on one fake.
    case fault(ScenarioFault)
    /// Removes the fault rules of one fake, or of both.
    case clearFaults(FaultTarget?)
    /// Webhook deliveries fail (`true`) or work again.
    case webhookOutage(Bool)
    /// A graceful restart: the signal, the wait for the exit, a start on the same store.
    case restart(BotSignal)
    /// SIGKILL, then a start on the same store.
    case kill
    /// SIGTERM and, shortly after, a second SIGTERM that forces the exit; then a start.
    case secondSignal
    /// `MEMORY_LIMIT_BYTES` for the following starts, applied by a graceful restart.
    case memoryLimit(Int64)
    /// A fixed pause.
    case pause(Duration)

    /// Whether the event stops the bot process.
    public var isProcessEvent: Bool {
        switch self {
        case .restart, .kill, .secondSignal, .memoryLimit: true
        default: false
        }
    }
}
