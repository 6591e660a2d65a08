/// A check evaluated after the steps (or as `steady_state`), with where it is written.
public struct Expectation: Sendable {
    /// The check.
    public var kind: ExpectationKind
    /// The bot instance a `bot`, `health`, `log`, `peak_rss` or `deliveries` check reads.
    /// Defaults to ``BotInstanceName/default``.
    public var instance: String
    /// Where it is written.
    public var location: SourceLocation

    /// Creates an expectation.
    public init(kind: ExpectationKind, instance: String = BotInstanceName.default, location: SourceLocation) {
        self.kind = kind
        self.instance = instance
        self.location = location
    }
}

/// The checks a scenario can make. Each is one key of an expectation mapping.
public enum ExpectationKind: Sendable, Equatable {
    /// The bot's exit: its code, how soon after the last signal it stopped, or that it still runs.
    case bot(BotExpectation)
    /// `/health` fields.
    case health([FieldCheck])
    /// Calls journaled by a fake: how many, and the gaps between consecutive ones.
    case calls(CallsExpectation)
    /// Rows of a sheet.
    case sheetRows(SheetRowsExpectation)
    /// Messages the bot sent to a chat.
    case sent(SentExpectation)
    /// Lines of the bot's log.
    case log(LogExpectation)
    /// The highest resident set size the bot reached (VmHWM).
    case peakRSS(atMost: Int64)
    /// Every update the scenario injected was confirmed, and none produced two rows.
    case updates(allConfirmed: Bool)
    /// One saved update's state.
    case update(id: ValueReference, state: String)
    /// How many webhook deliveries the round-robin front forwarded to the instance.
    case deliveries(CountCheck)

    /// The expectation's key in a scenario file.
    public var keyword: String {
        switch self {
        case .bot: "bot"
        case .health: "health"
        case .calls: "calls"
        case .sheetRows: "sheet_rows"
        case .sent: "sent"
        case .log: "log"
        case .peakRSS: "peak_rss"
        case .updates: "updates"
        case .update: "update"
        case .deliveries: "deliveries"
        }
    }
}

/// Checks on the bot process.
public struct BotExpectation: Sendable, Equatable {
    /// The exit code it must have exited with. Defaults to none.
    public var exitCode: Int32?
    /// It must have exited within this time of the last signal (or stop step). Defaults to none.
    public var stoppedWithin: Duration?
    /// Whether it must still be running (`true`) or have exited (`false`). Defaults to none.
    public var running: Bool?

    /// Creates the check.
    public init(exitCode: Int32? = nil, stoppedWithin: Duration? = nil, running: Bool? = nil) {
        self.exitCode = exitCode
        self.stoppedWithin = stoppedWithin
        self.running = running
    }
}

/// Checks on a fake's call journal.
public struct CallsExpectation: Sendable, Equatable {
    /// Which fake.
    public var target: FaultTarget
    /// Telegram method or Sheets operation.
    public var method: String
    /// How many calls. Defaults to no check.
    public var count: CountCheck?
    /// The gaps between consecutive calls. Defaults to no check.
    public var gaps: GapCheck?

    /// Creates the check.
    public init(target: FaultTarget, method: String, count: CountCheck? = nil, gaps: GapCheck? = nil) {
        self.target = target
        self.method = method
        self.count = count
        self.gaps = gaps
    }
}

/// Checks on the time between consecutive calls (backoff).
public struct GapCheck: Sendable, Equatable {
    /// Every gap is at least this long. Defaults to none.
    public var atLeast: Duration?
    /// Every gap is at most this long. Defaults to none.
    public var atMost: Duration?
    /// Each gap is longer than the one before (exponential backoff). Defaults to false.
    public var increasing: Bool

    /// Creates the check.
    public init(atLeast: Duration? = nil, atMost: Duration? = nil, increasing: Bool = false) {
        self.atLeast = atLeast
        self.atMost = atMost
        self.increasing = increasing
    }
}

/// Checks on the rows of a sheet.
public struct SheetRowsExpectation: Sendable, Equatable {
    /// The columns of a row, in order, as DESIGN.md's "Rows" lists them.
    public static let columns = [
        "timestamp", "user_id", "username", "full_name", "action",
        "latitude", "longitude", "site", "distance_m", "update_id",
    ]

    /// The sheet. Defaults to `Attendance`.
    public var sheet: String
    /// How many rows. Defaults to no check.
    public var count: CountCheck?
    /// Rows that must appear, in this order, each given by some of its columns. Defaults to none.
    public var values: [[String: String]]
    /// A column whose values must all be different (`update_id`). Defaults to none.
    public var noDuplicates: String?

    /// Creates the check.
    public init(sheet: String = "Attendance", count: CountCheck? = nil, values: [[String: String]] = [], noDuplicates: String? = nil) {
        self.sheet = sheet
        self.count = count
        self.values = values
        self.noDuplicates = noDuplicates
    }
}

/// Checks on what the bot sent to a chat.
public struct SentExpectation: Sendable, Equatable {
    /// The chat (the user's id).
    public var chat: Int64
    /// Some message contains this text. Defaults to none.
    public var contains: String?
    /// Some message matches this regular expression. Defaults to none.
    public var regex: String?
    /// How many messages. Defaults to no check.
    public var count: CountCheck?

    /// Creates the check.
    public init(chat: Int64, contains: String? = nil, regex: String? = nil, count: CountCheck? = nil) {
        self.chat = chat
        self.contains = contains
        self.regex = regex
        self.count = count
    }
}

/// Checks on the bot's log (stdout, stderr and `LOG_DIR/bot.log`).
public struct LogExpectation: Sendable, Equatable {
    /// Some line matches this regular expression. Defaults to none.
    public var matches: String?
    /// No line matches this regular expression. Defaults to none.
    public var neverMatches: String?
    /// No line contains the bot token, the webhook secret, the admin token or the private key.
    /// Defaults to false.
    public var noSecrets: Bool

    /// Creates the check.
    public init(matches: String? = nil, neverMatches: String? = nil, noSecrets: Bool = false) {
        self.matches = matches
        self.neverMatches = neverMatches
        self.noSecrets = noSecrets
    }
}
