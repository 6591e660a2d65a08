import Foundation

/// The bot's durable store, as every component sees it: updates and their de-duplication, the
/// conversation state, the outbox, the replies, dead letters and the event journal.
///
/// Two implementations keep the same semantics (docs/Store.md):
/// - `BotDatabase`, SQLite in one file (`DATABASE_PATH`), for one bot process;
/// - `PostgresStore`, PostgreSQL (`DATABASE_URL`), shared by several bot processes: the
///   de-duplication, the conversation state and the queues are the database's, and the workers'
///   reads are *claims*, so that a row or a reply is handled by one process only.
///
/// Methods that take arguments every caller passes the same way have a default in the extension
/// below; the requirements themselves take every argument, so that an implementation cannot
/// quietly pick a different default.
public protocol BotStore: Sendable {
    /// Which backend this is, for `/health` and logs.
    var kind: StoreKind { get }

    // MARK: Updates

    /// Records `inputs` in one transaction: for each, unless its `update_id` was already
    /// processed, marks it processed, loads the user's state, asks `decide` for the step and
    /// applies the step's effects, replies and callback answer; `arrivals`, the journal's records
    /// of the updates' arrivals, are written in the same transaction (an update already recorded
    /// keeps its first arrival). Returns once the transaction is committed (durable), with one
    /// outcome per input in order.
    func recordUpdates(
        _ inputs: [ConversationInput], arrivals: [ReceivedUpdateRecord], now: Date,
        decide: @escaping @Sendable (ConversationState, ConversationInput) -> ConversationStep
    ) async throws -> [UpdateOutcome]

    /// Whether `updateID` was recorded (and not yet pruned).
    func isProcessed(updateID: Int64) async throws -> Bool

    /// Deletes de-duplication records older than `cutoff` whose arrival the journal no longer
    /// keeps (`pruneJournal` clears it); returns how many.
    @discardableResult
    func pruneProcessedUpdates(olderThan cutoff: Date) async throws -> Int

    // MARK: Dead letters

    /// Records that `updateID` can never be processed, in one transaction: a new dead letter, with
    /// `reply` queued for the user; or, for one already recorded (a redelivery), a new `lastSeen`,
    /// reason and attempt, and no second reply.
    /// - Returns: whether the dead letter is new.
    @discardableResult
    func recordDeadLetter(updateID: Int64, rawUpdate: String, rejection: UpdateRejection,
                          reply: OutgoingReply?, now: Date) async throws -> Bool

    /// The newest `limit` dead letters, most recently refused first.
    func deadLetters(limit: Int) async throws -> [DeadLetter]

    /// The dead letter of `updateID`, if any.
    func deadLetter(updateID: Int64) async throws -> DeadLetter?

    /// Deletes the dead letter of `updateID` (it was retried and processed).
    func deleteDeadLetter(updateID: Int64) async throws

    /// How many dead letters there are, and the newest one's time and reason.
    func deadLetterSummary() async throws -> DeadLetterSummary

    /// Deletes dead letters last refused before `cutoff`; returns how many.
    @discardableResult
    func pruneDeadLetters(olderThan cutoff: Date) async throws -> Int

    // MARK: Event journal

    /// Appends events and the arrivals of updates that were not processed in one transaction; an
    /// update already recorded keeps its first arrival.
    func appendJournal(events: [JournalEvent], updates: [ReceivedUpdateRecord]) async throws

    /// The events from `start` up to `end`, oldest first, at most `limit` (nil: all).
    func events(from start: Date, to end: Date, limit: Int?) async throws -> [JournalEvent]

    /// The newest `limit` events other than attendance, newest first.
    func recentEvents(limit: Int) async throws -> [JournalEvent]

    /// How many updates arrived in each minute from `start` on, oldest first (`yyyy-MM-dd HH:mm`, UTC).
    func arrivalsPerMinute(since start: Date) async throws -> [(minute: String, count: Int)]

    /// The updates that arrived from `start` up to `end`, in order of arrival.
    func receivedUpdates(from start: Date, to end: Date) async throws -> [ReceivedUpdateRecord]

    /// Deletes events and received updates older than `cutoff`, then the oldest of each beyond
    /// `maximumRows`, and clears the arrivals kept in `processed_updates` the same way (the rows
    /// stay for de-duplication); returns how many rows were deleted or cleared.
    @discardableResult
    func pruneJournal(olderThan cutoff: Date, keepingAtMost maximumRows: Int) async throws -> Int

    // MARK: Pending actions

    /// The user's pending action and last action.
    func conversationState(userID: Int64) async throws -> ConversationState

    /// How many pending actions the store holds, live or expired.
    func pendingActionCount() async throws -> Int

    /// Deletes pending actions that expired at or before `now`, leaving a tombstone of each (so
    /// that a late location still hears that its request expired), and deletes tombstones older
    /// than `tombstoneRetention`; returns how many pending actions were deleted.
    @discardableResult
    func deleteExpiredPendingActions(now: Date, tombstoneRetention: Duration) async throws -> Int

    /// Stores many pending actions in one transaction (benchmarks and tests that need a large
    /// store).
    func insertPendingActions(_ actions: [PendingAction]) async throws

    // MARK: Outbox

    /// The oldest `limit` queued rows, in order of enqueueing: a plain read, claiming nothing.
    func queuedRows(limit: Int) async throws -> [OutboxEntry]

    /// The oldest `limit` queued rows this process may append, claimed for it: what the outbox
    /// worker appends next. With `countingAttemptAt`, an append attempt starting then is counted
    /// for each in the same transaction (as `recordAppendAttempt` counts it). The rows are
    /// returned as read, before the count.
    ///
    /// A store shared by several processes leases the rows to this one, so that no other claims
    /// them until the lease runs out; a row whose lease ran out unfinished comes back with
    /// `claimAbandoned` set, because the process that held it may have appended it. A process's
    /// own claims are its again at its next call (its worker retries its rows), so each process
    /// runs one outbox worker.
    func claimQueuedRows(limit: Int, countingAttemptAt startedAt: Date?) async throws -> [OutboxEntry]

    /// Whether a queued row was already tried, so Sheets may hold it.
    func hasAttemptedRows() async throws -> Bool

    /// How many rows are queued and when the oldest was enqueued.
    func outboxStatus() async throws -> (queued: Int, oldestEnqueuedAt: Date?)

    /// Counts an append attempt for `updateIDs` *before* it is sent, with its start time, so that
    /// a crash during the append leaves a trace (`attempts > 0`, `last_attempt_at`) that makes the
    /// next start wait for that append to settle and check the sheet first. A shared store
    /// throws `ClaimLostError` when another process has claimed any of the rows since.
    func recordAppendAttempt(updateIDs: [Int64], startedAt: Date) async throws

    /// Records why the append of `updateIDs` failed; the rows stay queued.
    func recordAppendFailure(updateIDs: [Int64], error: String) async throws

    /// Deletes rows Sheets confirmed (or already holds); returns how many were deleted.
    @discardableResult
    func deleteAppendedRows(updateIDs: [Int64]) async throws -> Int

    // MARK: Replies

    /// The oldest `limit` messages waiting to be sent, in order of recording: a plain read.
    func queuedMessages(limit: Int) async throws -> [OutgoingMessage]

    /// The oldest `limit` callback answers and the oldest `limit` messages this process may send,
    /// claimed for it: what the reply sender reads at the start of each pass. A shared store
    /// leases them to this process and never hands out a chat's message while an older one of
    /// the same chat is held by another, so each chat's replies still go out in order.
    func claimQueuedReplies(limit: Int) async throws -> (answers: [OutgoingCallbackAnswer], messages: [OutgoingMessage])

    /// Deletes the messages and callback answers Telegram accepted (or that can never be sent),
    /// in one transaction.
    func deleteSentReplies(messageIDs: [Int64], answerIDs: [Int64]) async throws

    /// How many messages wait to be sent.
    func queuedMessageCount() async throws -> Int

    /// Records a failed send of message `id`; it stays queued.
    func recordSendFailure(id: Int64, error: String) async throws

    /// The oldest `limit` callback answers waiting to be sent, in order of recording: a plain read.
    func queuedCallbackAnswers(limit: Int) async throws -> [OutgoingCallbackAnswer]

    /// How many callback answers wait to be sent.
    func queuedCallbackAnswerCount() async throws -> Int

    /// Deletes callback answers recorded before `cutoff`, which Telegram would refuse as too old;
    /// returns how many.
    @discardableResult
    func deleteCallbackAnswers(recordedBefore cutoff: Date) async throws -> Int

    /// Records a failed send of callback answer `id`; it stays queued.
    func recordCallbackAnswerFailure(id: Int64, error: String) async throws

    // MARK: Lifecycle

    /// Who leads among the bot processes sharing this store (the one that sets the webhook,
    /// watches it and polls): a new handle for `WebhookSupervisor`, which claims and resigns it.
    func makeLeadership() -> any Leadership

    /// Releases the store's connections; later calls fail. Call once every service stopped.
    func close() async throws
}

extension BotStore {
    /// Records `inputs` without arrival records.
    public func recordUpdates(
        _ inputs: [ConversationInput], now: Date,
        decide: @escaping @Sendable (ConversationState, ConversationInput) -> ConversationStep
    ) async throws -> [UpdateOutcome] {
        try await recordUpdates(inputs, arrivals: [], now: now, decide: decide)
    }

    /// The dead letters, most recently refused first, at most 100.
    public func deadLetters() async throws -> [DeadLetter] {
        try await deadLetters(limit: 100)
    }

    /// The events from `start` on (up to `end`, defaults to all), oldest first.
    public func events(from start: Date, to end: Date = .distantFuture) async throws -> [JournalEvent] {
        try await events(from: start, to: end, limit: nil)
    }

    /// The updates that arrived from `start` on, in order of arrival.
    public func receivedUpdates(from start: Date) async throws -> [ReceivedUpdateRecord] {
        try await receivedUpdates(from: start, to: .distantFuture)
    }

    /// Prunes the journal to `EventJournal.maximumRows` rows of each kind at most.
    @discardableResult
    public func pruneJournal(olderThan cutoff: Date) async throws -> Int {
        try await pruneJournal(olderThan: cutoff, keepingAtMost: EventJournal.maximumRows)
    }

    /// Deletes expired pending actions, keeping their tombstones one day.
    @discardableResult
    public func deleteExpiredPendingActions(now: Date) async throws -> Int {
        try await deleteExpiredPendingActions(now: now, tombstoneRetention: .seconds(86_400))
    }

    /// Claims rows and counts an append attempt starting at `startedAt` (defaults to now) for each.
    public func claimQueuedRows(limit: Int, startedAt: Date = Date()) async throws -> [OutboxEntry] {
        try await claimQueuedRows(limit: limit, countingAttemptAt: startedAt)
    }

    /// Counts an append attempt starting now for `updateIDs`.
    public func recordAppendAttempt(updateIDs: [Int64]) async throws {
        try await recordAppendAttempt(updateIDs: updateIDs, startedAt: Date())
    }

    /// Deletes callback answers Telegram accepted (or refused for good).
    public func deleteCallbackAnswers(ids: [Int64]) async throws {
        try await deleteSentReplies(messageIDs: [], answerIDs: ids)
    }
}

/// What `BotStore.recordUpdates` did with one update.
public enum UpdateOutcome: Sendable, Equatable {
    /// Recorded now, with its step's effects and replies.
    case recorded(ConversationStep)
    /// Already recorded earlier (a redelivery): nothing changed.
    case duplicate
}

/// The store's backend, as `/health` names it.
public enum StoreKind: String, Sendable, Codable {
    /// `BotDatabase`: one SQLite file, one bot process.
    case sqlite
    /// `PostgresStore`: a PostgreSQL database shared by every bot process.
    case postgres
}

/// A shared store refused to count an attempt because another process claimed the rows since
/// this one did (its claim's lease ran out): that process appends them, this one must not.
public struct ClaimLostError: Error, CustomStringConvertible {
    /// The rows no longer claimed by this process.
    public var updateIDs: [Int64]

    public var description: String {
        "the outbox rows \(updateIDs) were claimed by another bot instance after this one's lease ran out; that instance appends them"
    }
}
