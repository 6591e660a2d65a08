import Foundation

/// Everything the invariant checks look at, collected once a schedule has settled. Plain data,
/// so each check is a pure function that a test can feed a planted violation.
public struct ExploreEvidence: Sendable {
    /// One start of the bot and how it ended.
    public struct BotRun: Sendable, Equatable {
        /// Signals the runner sent it, with seconds since the schedule started.
        public var signals: [(name: String, at: Double)]
        /// Its exit code (128 + n when killed by signal n); nil while it runs.
        public var exitCode: Int32?
        /// When it exited, seconds since the schedule started.
        public var exitedAt: Double?

        /// Creates a run.
        public init(signals: [(name: String, at: Double)], exitCode: Int32?, exitedAt: Double?) {
            self.signals = signals
            self.exitCode = exitCode
            self.exitedAt = exitedAt
        }

        /// Same signals at the same times, same exit.
        public static func == (lhs: BotRun, rhs: BotRun) -> Bool {
            lhs.signals.map(\.name) == rhs.signals.map(\.name) && lhs.signals.map(\.at) == rhs.signals.map(\.at)
                && lhs.exitCode == rhs.exitCode && lhs.exitedAt == rhs.exitedAt
        }
    }

    /// The schedule that ran.
    public var schedule: Schedule
    /// The update ids the fake Telegram assigned, in sending order (fewer than the schedule's
    /// updates when a step failed before sending them all).
    public var updateIDs: [Int64]
    /// Each update's state in the fake Telegram (`queued`, `delivered`, `confirmed`).
    public var updateStates: [Int64: String]
    /// The bot's dead letters, update id → reason (empty when the bot has no such endpoint).
    public var deadLetters: [Int64: String]
    /// The sheet's data rows, in order.
    public var rows: [[String]]
    /// Texts the bot sent, per chat.
    public var chats: [Int64: [String]]
    /// `/health` as text, or nil when it did not answer.
    public var healthJSON: String?
    /// `SHUTDOWN_GRACE` of the runs.
    public var shutdownGrace: Duration
    /// Every start of the bot.
    public var botRuns: [BotRun]
    /// The statuses the bot answered to updates posted straight to its webhook, in order.
    public var webhookPosts: [Int]
    /// The bot's log lines (raw: the secrets check needs them as written).
    public var logLines: [String]
    /// The secrets the bot was given.
    public var secrets: [String]
    /// The fake Telegram's journal, one evidence line per call.
    public var telegramJournal: [String]
    /// The fake Sheets' journal, one evidence line per call.
    public var sheetsJournal: [String]

    /// Creates evidence.
    public init(schedule: Schedule, updateIDs: [Int64], updateStates: [Int64: String] = [:], deadLetters: [Int64: String] = [:],
                rows: [[String]] = [], chats: [Int64: [String]] = [:], healthJSON: String? = nil, shutdownGrace: Duration = ScheduleScenario.shutdownGrace,
                botRuns: [BotRun] = [], webhookPosts: [Int] = [], logLines: [String] = [], secrets: [String] = [], telegramJournal: [String] = [], sheetsJournal: [String] = []) {
        self.schedule = schedule
        self.updateIDs = updateIDs
        self.updateStates = updateStates
        self.deadLetters = deadLetters
        self.rows = rows
        self.chats = chats
        self.healthJSON = healthJSON
        self.shutdownGrace = shutdownGrace
        self.botRuns = botRuns
        self.webhookPosts = webhookPosts
        self.logLines = logLines
        self.secrets = secrets
        self.telegramJournal = telegramJournal
        self.sheetsJournal = sheetsJournal
    }

    /// A cell of a row by column name (DESIGN.md "Rows").
    static func cell(_ row: [String], _ column: String) -> String? {
        SheetRowsExpectation.columns.firstIndex(of: column).flatMap { $0 < row.count ? row[$0] : nil }
    }

    /// The update id of the update at `position` in sending order, if it was sent.
    func updateID(at position: Int) -> Int64? {
        position < updateIDs.count ? updateIDs[position] : nil
    }

    /// Ids of the poison updates the schedule planted.
    var plantedPoison: Set<Int64> {
        let events = ExpectedRows.updateEvents(schedule)
        return Set(events.enumerated().compactMap { position, event in
            if case .raw(_, true) = schedule.events[event] { return updateID(at: position) }
            return nil
        })
    }

    /// Users the bot answered "busy" (shedding while memory was critical).
    var busyUsers: Set<Int64> {
        Set(chats.filter { $0.value.contains { $0.contains("I'm busy") } }.keys)
    }

    /// `text` with every secret replaced by `<redacted>`.
    func redact(_ text: String) -> String {
        secrets.filter { !$0.isEmpty }.reduce(text) { $0.replacingOccurrences(of: $1, with: "<redacted>") }
    }

    /// Excerpts about `ids` (and the `chats` they came from): the bot's log lines that name the
    /// updates, their states at the fake Telegram, its journal lines for those chats (replies), and
    /// the last Sheets calls. Log lines appear once although stdout and `LOG_DIR` both hold them.
    func excerpts(_ ids: [Int64], chats: [Int64] = []) -> [String] {
        let idTerms = ids.flatMap { ["update_id=\($0)", "\"update_id\":\($0)", "update \($0)"] }
        let chatTerms = chats.flatMap { ["\"chat_id\":\($0)", "\"chat_id\":\"\($0)\""] }
        var seen: Set<String> = []
        let log = logLines.filter { line in idTerms.contains { line.contains($0) } && seen.insert(line).inserted }
        var lines = log.suffix(8).map { "bot log: " + redact($0) }
        lines += ids.prefix(6).map { "telegram: update \($0) is \(updateStates[$0] ?? "unknown")" + (deadLetters[$0].map { ", dead letter: \($0)" } ?? "") }
        lines += telegramJournal.filter { line in (idTerms + chatTerms).contains { line.contains($0) } }.suffix(6).map { "telegram: " + redact($0) }
        lines += sheetsJournal.suffix(4).map { "sheets: " + redact($0) }
        return lines
    }

    /// The bot's last warning, error and critical log lines (once each).
    func problemLines(_ count: Int) -> [String] {
        var seen: Set<String> = []
        let problems = logLines.filter { line in
            [" warning ", " error ", " critical "].contains { line.contains($0) } && seen.insert(line).inserted
        }
        return problems.suffix(count).map { "bot log: " + redact($0) }
    }

    /// A `/health` field by dotted path, as text.
    func healthField(_ path: String) -> String? {
        guard let text = healthJSON, let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return nil }
        return JSONFields.value(json, path: path)
    }
}
