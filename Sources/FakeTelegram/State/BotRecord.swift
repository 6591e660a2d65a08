import Foundation
import MetroSupport

/// Everything the fake knows about one registered bot: its update queue, webhook, chats,
/// callback queries, commands, call journal and fault rules. A class, confined to the state
/// actor, so that appending to its journal or queue never copies them.
final class BotRecord {
    let bot: RegisteredBot
    var nextUpdateID: Int64
    /// Unconfirmed updates, in update_id order (dropped and confirmed ones are removed).
    var queue: [PendingUpdate] = []
    var statuses: [Int64: UpdateStatus] = [:]
    /// `nil` means Telegram's default set.
    var allowedUpdates: Set<String>?
    var webhook: Webhook?
    var webhookGeneration: UInt64 = 0
    var lastErrorDate: Int64?
    var lastErrorMessage: String?
    var lastSetWebhookAt: ContinuousClock.Instant?
    var outage = false
    var activePoll: UInt64?
    var chats: [Int64: Chat] = [:]
    var callbacks: [String: CallbackRecord] = [:]
    var commands: [String: JSONValue] = [:]
    var journal: [TelegramCall] = []
    /// The id the next journal entry gets (kept across `reset`).
    var nextCallID = 1
    var faults = FaultBook<TelegramFaultMatch>()
    var inFlightKeys: Set<QueueKey> = []

    /// The bot as the `from` of its messages (built once: every sent message carries it).
    let userJSON: JSONValue

    init(bot: RegisteredBot, firstUpdateID: Int64) {
        self.bot = bot
        self.nextUpdateID = firstUpdateID
        self.userJSON = .object([
            "id": .int(bot.id), "is_bot": .bool(true), "first_name": .string(bot.firstName),
            "username": .string(bot.username),
        ])
    }

    var pendingCount: Int { queue.count }
}

/// The delivery queue an update belongs to: updates of one chat are delivered in order.
enum QueueKey: Hashable, Sendable {
    case chat(Int64)
    case update(Int64)
}

/// An update waiting for getUpdates or for the webhook.
struct PendingUpdate: Sendable {
    let id: Int64
    let type: String
    let payload: JSONValue
    let queueKey: QueueKey
    /// `{"update_id":…, "<type>":…}` as sent.
    let body: Data
    var nextAttemptAt: ContinuousClock.Instant
    var retryDelay: Duration
    var inFlight = false

    var json: JSONValue { .object(["update_id": .int(id), type: payload]) }
}

/// A webhook as setWebhook set it.
struct Webhook: Sendable, Equatable {
    let url: String
    let secretToken: String?
    let maxConnections: Int
    let allowedUpdates: Set<String>?
}

/// A chat the bot can write to, with its messages (a class confined to the state actor, so that
/// storing a message never copies the chat).
final class Chat {
    let id: Int64
    var json: JSONValue
    var nextMessageID: Int64 = 1
    var messages: [Int64: StoredMessage] = [:]
    var order: [Int64] = []

    init(id: Int64, json: JSONValue) {
        self.id = id
        self.json = json
    }
}

/// A message in a chat, written by a user (injected) or by the bot.
struct StoredMessage: Sendable {
    let id: Int64
    let fromBot: Bool
    let date: Int64
    var text: String?
    var replyMarkup: JSONValue?
    var editDate: Int64?
    var replyToMessageID: Int64?
    /// For user messages: the whole Message object as injected.
    var userPayload: JSONValue?
}

/// A callback query the fake generated and its answer.
struct CallbackRecord: Sendable {
    let id: String
    let chatID: Int64
    let messageID: Int64?
    var answered = false
}

/// What a fired fault does to the request at hand.
struct FaultPlan: Sendable {
    let id: String
    let respond: FaultResponse?
    let delay: Duration?
    let action: FaultAction?
}
