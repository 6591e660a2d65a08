/// One scenario file: a bot, some users, steps that disturb it and expectations about what
/// must hold afterwards. See docs/SCENARIOS.md for the schema.
public struct Scenario: Sendable {
    /// Unique name, `[a-z0-9-]+`; what `--filter` matches and what reports show.
    public var name: String
    /// One sentence saying what the scenario proves.
    public var description: String
    /// Free-form tags (`shutdown`, `webhook`); `--filter` matches them too. Defaults to none.
    public var tags: [String]
    /// The whole scenario's deadline, steps and expectations together. Defaults to 60 seconds.
    public var timeout: Duration
    /// How the bot is started.
    public var bot: BotSettings
    /// The users that appear in the scenario. Defaults to none (flood users are generated).
    public var users: [ScenarioUser]
    /// Sites written to the bot's sites file. Defaults to ``ScenarioSite/defaults``.
    public var sites: [ScenarioSite]
    /// The steps, run in order.
    public var steps: [ScenarioStep]
    /// Checks run before the first fault and after the last step. Defaults to none.
    public var steadyState: [Expectation]
    /// Checks evaluated after the steps.
    public var expectations: [Expectation]
    /// The store the scenario needs whatever `chaos run --store` says (`store: postgres` for
    /// scenarios whose instances must share one). Defaults to none: the run's store.
    public var store: BotStore?
    /// Where the scenario was read from (the `name` key's location, or 1:1).
    public var location: SourceLocation

    /// Creates a scenario; the parser is the usual way to get one.
    public init(
        name: String, description: String, tags: [String] = [], timeout: Duration = .seconds(60),
        bot: BotSettings = BotSettings(), users: [ScenarioUser] = [], sites: [ScenarioSite] = ScenarioSite.defaults,
        steps: [ScenarioStep], steadyState: [Expectation] = [], expectations: [Expectation],
        store: BotStore? = nil, location: SourceLocation
    ) {
        self.name = name
        self.description = description
        self.tags = tags
        self.timeout = timeout
        self.bot = bot
        self.users = users
        self.sites = sites
        self.steps = steps
        self.steadyState = steadyState
        self.expectations = expectations
        self.store = store
        self.location = location
    }

    /// The file the scenario came from.
    public var file: String { location.file }

    /// The instances its `start_bot` steps start, in order of first start.
    public var instances: [String] {
        var names: [String] = []
        for step in steps {
            if case .startBot = step.action, !names.contains(step.instance) { names.append(step.instance) }
        }
        return names
    }
}

/// How the runner starts the bot for a scenario.
public struct BotSettings: Sendable, Equatable {
    /// How the bot receives updates.
    public enum Mode: String, Sendable, CaseIterable {
        /// `WEBHOOK_URL` points at the bot's own port on 127.0.0.1.
        case webhook
        /// No `WEBHOOK_URL`: the bot long-polls `getUpdates`.
        case polling
    }

    /// Defaults to ``Mode/webhook`` (the production mode).
    public var mode: Mode
    /// Extra or overriding environment variables. The runner's shortened timings come first and
    /// these replace them. Defaults to none.
    public var env: [String: String]

    /// Creates settings.
    public init(mode: Mode = .webhook, env: [String: String] = [:]) {
        self.mode = mode
        self.env = env
    }
}

/// A Telegram user that sends messages in the scenario.
public struct ScenarioUser: Sendable, Equatable {
    /// The user id, which is also the private chat's id.
    public var id: Int64
    /// Defaults to `User<id>`.
    public var firstName: String
    /// Defaults to none.
    public var username: String?

    /// Creates a user.
    public init(id: Int64, firstName: String? = nil, username: String? = nil) {
        self.id = id
        self.firstName = firstName ?? "User\(id)"
        self.username = username
    }
}

/// A work site in the bot's sites file.
public struct ScenarioSite: Sendable, Equatable, Codable {
    /// The site's name as it appears in rows.
    public var name: String
    /// Degrees, −90…90.
    public var latitude: Double
    /// Degrees, −180…180.
    public var longitude: Double
    /// Radius in metres.
    public var radiusM: Double

    enum CodingKeys: String, CodingKey {
        case name, latitude, longitude
        case radiusM = "radius_m"
    }

    /// Creates a site.
    public init(name: String, latitude: Double, longitude: Double, radiusM: Double) {
        self.name = name
        self.latitude = latitude
        self.longitude = longitude
        self.radiusM = radiusM
    }

    /// Two Madrid sites used when a scenario names none: `Sol` (40.4168, −3.7038, 300 m) and
    /// `Atocha` (40.4066, −3.6892, 300 m).
    public static let defaults = [
        ScenarioSite(name: "Sol", latitude: 40.4168, longitude: -3.7038, radiusM: 300),
        ScenarioSite(name: "Atocha", latitude: 40.4066, longitude: -3.6892, radiusM: 300),
    ]
}
