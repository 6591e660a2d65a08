import Foundation
import Logging
import MetroSupport

/// The fake's whole state, behind one actor: the Bot API routes, the control API, the Swift API
/// and webhook delivery all read and change it here.
actor FakeTelegramState {
    let configuration: FakeTelegram.Configuration
    let doorbell: Doorbell
    var bots: [Int64: BotRecord] = [:]
    var botOrder: [Int64] = []
    var tokens: [String: Int64] = [:]
    var generator: SeededGenerator
    var nextBotID: Int64 = 7_000_000_001
    var nextPollTicket: UInt64 = 1
    var nextCallbackNumber: UInt64 = 1
    var polls: [UInt64: LongPoll] = [:]
    var isShutDown = false
    var shutdownWaiters: [CheckedContinuation<Void, Never>] = []

    init(configuration: FakeTelegram.Configuration, doorbell: Doorbell) {
        self.configuration = configuration
        self.doorbell = doorbell
        self.generator = SeededGenerator(seed: configuration.seed)
    }

    static var unixNow: Int64 { Int64(Date().timeIntervalSince1970) }

    // MARK: Bots

    func registerBot(username: String, firstName: String) -> RegisteredBot {
        let id = nextBotID
        nextBotID += 1
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var system = SystemRandomNumberGenerator()
        let secret = String((0..<35).map { _ in alphabet[Int(system.next() % UInt64(alphabet.count))] })
        let bot = RegisteredBot(id: id, token: "\(id):\(secret)", username: username, firstName: firstName)
        bots[id] = BotRecord(bot: bot, firstUpdateID: 100_000_001)
        botOrder.append(id)
        tokens[bot.token] = id
        return bot
    }

    var registeredBots: [RegisteredBot] { botOrder.compactMap { bots[$0]?.bot } }

    /// The bot a control request addresses: `id`, or the first registered bot.
    func resolveBot(_ id: Int64?) throws(FakeTelegramError) -> Int64 {
        if let id {
            guard bots[id] != nil else { throw .unknownBot(id) }
            return id
        }
        guard let first = botOrder.first else { throw .noBotRegistered }
        return first
    }

    // MARK: Journal

    /// The record of bot `id`. Bots are never removed (`reset` replaces a record with a fresh one
    /// under the same id), so every id the state handed out (`registerBot`, `resolveBot`, `admit`)
    /// has one; any other id gets a detached empty record, so a stray id changes nothing instead
    /// of trapping.
    func botRecord(_ id: Int64) -> BotRecord {
        bots[id] ?? BotRecord(bot: RegisteredBot(id: id, token: "", username: "", firstName: ""), firstUpdateID: 1)
    }

    /// Journals a call. - Parameters: `status` is `nil` when the fake never answered; `faultID`
    /// names the fault rule that fired on it; `held` says a `timeout` fault holds it until the fake stops.
    func record(_ botID: Int64, method: String, params: JSONValue, at: Date, status: Int?, faultID: String? = nil, held: Bool = false) {
        guard let record = bots[botID] else { return }
        record.journal.append(TelegramCall(
            id: record.nextCallID, at: at, status: status, faultID: faultID, held: held, finished: !held,
            details: TelegramCallDetails(method: method, params: params)))
        record.nextCallID += 1
        // Trim in batches (a quarter of the limit at a time) so a full journal costs O(1) per call.
        let overflow = record.journal.count - configuration.journalLimit
        if overflow > max(1, configuration.journalLimit / 4) { record.journal.removeFirst(overflow) }
    }

    func calls(botID: Int64, method: String?) -> [TelegramCall] {
        let journal = bots[botID]?.journal ?? []
        guard let method = method?.lowercased() else { return journal }
        return journal.filter { $0.method.lowercased() == method }
    }

    // MARK: Faults

    func addFault(_ rule: TelegramFaultRule, botID: Int64) throws(FakeTelegramError) -> String {
        do {
            return try botRecord(botID).faults.add(rule)
        } catch {
            throw .invalidFault(error.description)
        }
    }

    /// Removes one fault (by id) or all; answers whether anything was removed.
    func removeFaults(botID: Int64, id: String?) -> Bool {
        botRecord(botID).faults.remove(id: id)
    }

    /// The fault that fires for this request, counting it against every matching rule's `after`/`times`.
    func fireFault(botID: Int64, method lowercasedMethod: String) -> FaultPlan? {
        guard let record = bots[botID], !record.faults.isEmpty,
              let fault = record.faults.fire(for: lowercasedMethod, using: &generator) else { return nil }
        return FaultPlan(id: fault.id, respond: fault.rule.respond, delay: fault.rule.delay, action: fault.rule.action)
    }

    /// Queues an update of `type` (filtered by the bot's allowed updates, as Telegram does when
    /// it stores an update), wakes a waiting long poll and the webhook delivery.
    @discardableResult
    func enqueue(botID: Int64, type: String, payload: JSONValue, queueKey: QueueKey?) -> Int64 {
        let id = botRecord(botID).nextUpdateID
        botRecord(botID).nextUpdateID += 1
        let allowed = botRecord(botID).allowedUpdates ?? UpdateTypes.defaultAllowed
        guard allowed.contains(type) else {
            botRecord(botID).statuses[id] = UpdateStatus(updateID: id, type: type, state: .dropped, attempts: 0)
            return id
        }
        let update = PendingUpdate(
            id: id, type: type, payload: payload, queueKey: queueKey ?? .update(id),
            body: JSONValue.object(["update_id": .int(id), type: payload]).encoded(),
            nextAttemptAt: .now, retryDelay: configuration.deliveryRetryBaseDelay)
        botRecord(botID).queue.append(update)
        botRecord(botID).statuses[id] = UpdateStatus(updateID: id, type: type, state: .queued, attempts: 0)
        if let ticket = botRecord(botID).activePoll, let poll = polls[ticket] {
            answerPoll(ticket, botID: botID, limit: poll.limit)
        }
        if botRecord(botID).webhook != nil { doorbell.ring() }
        return id
    }

    func updateStatus(botID: Int64, updateID: Int64) -> UpdateStatus? {
        bots[botID]?.statuses[updateID]
    }

    func confirm(botID: Int64, where shouldConfirm: (PendingUpdate) -> Bool, as state: UpdateStatus.State) {
        guard let queue = bots[botID]?.queue else { return }
        var kept: [PendingUpdate] = []
        kept.reserveCapacity(queue.count)
        for update in queue {
            if shouldConfirm(update) {
                botRecord(botID).statuses[update.id]?.state = state
            } else {
                kept.append(update)
            }
        }
        botRecord(botID).queue = kept
    }

    // MARK: Chats

    /// The private chat of a user, created (or its names refreshed) on first contact.
    func privateChat(botID: Int64, userID: Int64, firstName: String?, username: String?) -> (user: JSONValue, chat: JSONValue) {
        let record = botRecord(botID)
        let firstName = JSONValue.string(firstName ?? record.chats[userID]?.json["first_name"]?.stringValue ?? "User \(userID)")
        var user: [String: JSONValue] = [
            "id": .int(userID), "is_bot": .bool(false), "first_name": firstName, "language_code": .string("en"),
        ]
        var chat: [String: JSONValue] = ["id": .int(userID), "type": .string("private"), "first_name": firstName]
        if let username = username ?? record.chats[userID]?.json["username"]?.stringValue {
            user["username"] = .string(username)
            chat["username"] = .string(username)
        }
        if record.chats[userID] == nil {
            record.chats[userID] = Chat(id: userID, json: .object(chat))
        } else {
            record.chats[userID]?.json = .object(chat)
        }
        return (.object(user), .object(chat))
    }

    /// The id of the next message in a chat the caller made sure exists (1 if it does not).
    func nextMessageID(botID: Int64, chatID: Int64) -> Int64 {
        let record = botRecord(botID)
        let id = record.chats[chatID]?.nextMessageID ?? 1
        record.chats[chatID]?.nextMessageID = id + 1
        return id
    }

    /// Stores `message` in a chat the caller made sure exists (nothing happens if it does not).
    func store(_ message: StoredMessage, botID: Int64, chatID: Int64) {
        let record = botRecord(botID)
        record.chats[chatID]?.messages[message.id] = message
        record.chats[chatID]?.order.append(message.id)
    }

    /// The Bot API Message object for a stored message. `anyMarkup` includes reply keyboards
    /// (for transcripts); the Bot API itself returns `reply_markup` only for inline keyboards.
    func messageJSON(botID: Int64, chatID: Int64, messageID: Int64, anyMarkup: Bool, depth: Int = 0) -> JSONValue? {
        guard let record = bots[botID], let chat = record.chats[chatID], let message = chat.messages[messageID] else {
            return nil
        }
        if let payload = message.userPayload { return payload }
        var members: [String: JSONValue] = [
            "message_id": .int(message.id), "from": record.userJSON, "chat": chat.json, "date": .int(message.date),
        ]
        if let text = message.text { members["text"] = .string(text) }
        if let editDate = message.editDate { members["edit_date"] = .int(editDate) }
        if let markup = message.replyMarkup, anyMarkup || markup["inline_keyboard"] != nil {
            members["reply_markup"] = markup
        }
        if depth == 0, let replyTo = message.replyToMessageID,
            let replied = messageJSON(botID: botID, chatID: chatID, messageID: replyTo, anyMarkup: anyMarkup, depth: 1)
        {
            members["reply_to_message"] = replied
        }
        return .object(members)
    }

    func transcript(botID: Int64, chatID: Int64) -> [ChatMessage] {
        guard let chat = bots[botID]?.chats[chatID] else { return [] }
        return chat.order.compactMap { id in
            guard let message = chat.messages[id], message.fromBot,
                let json = messageJSON(botID: botID, chatID: chatID, messageID: id, anyMarkup: true)
            else { return nil }
            return ChatMessage(messageID: id, chatID: chatID, text: message.text ?? "", replyMarkup: message.replyMarkup, json: json)
        }
    }

    // MARK: Outage, reset, shutdown

    func setOutage(botID: Int64, down: Bool) {
        bots[botID]?.outage = down
        doorbell.ring()
    }

    func reset() {
        for id in botOrder {
            if let ticket = bots[id]?.activePoll { resolvePoll(ticket, status: 200, body: BotAPIAnswer.success(.array([])).body) }
            let old = botRecord(id)
            let fresh = BotRecord(bot: old.bot, firstUpdateID: old.nextUpdateID)
            fresh.webhookGeneration = old.webhookGeneration + 1
            fresh.nextCallID = old.nextCallID
            bots[id] = fresh
        }
        generator = SeededGenerator(seed: configuration.seed)
        doorbell.ring()
    }

    func shutDown() {
        isShutDown = true
        for ticket in Array(polls.keys) { resolvePoll(ticket, status: 200, body: BotAPIAnswer.success(.array([])).body) }
        for waiter in shutdownWaiters { waiter.resume() }
        shutdownWaiters.removeAll()
        doorbell.close()
    }

    /// Returns when the fake shuts down (a `timeout` fault holds its request here).
    func waitForShutdown() async {
        if isShutDown { return }
        await withCheckedContinuation { continuation in shutdownWaiters.append(continuation) }
    }
}

/// Errors of the control API and the Swift API.
public enum FakeTelegramError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No bot is registered yet; call `registerBot` first.
    case noBotRegistered
    /// No bot has this id.
    case unknownBot(Int64)
    /// The fault rule is not usable; the text says why.
    case invalidFault(String)
    /// The injected update is not usable; the text says why.
    case invalidUpdate(String)
    /// A message a callback should point at does not exist.
    case messageNotFound(chatID: Int64, messageID: Int64?)

    public var description: String {
        switch self {
        case .noBotRegistered: return "no bot is registered with the fake; register one first (registerBot / chaos fakes)"
        case .unknownBot(let id): return "no bot with id \(id) is registered with this fake"
        case .invalidFault(let problem): return "invalid fault rule: \(problem)"
        case .invalidUpdate(let problem): return "invalid update: \(problem)"
        case .messageNotFound(let chatID, let messageID):
            if let messageID { return "chat \(chatID) has no bot message \(messageID)" }
            return "chat \(chatID) has no bot message to press a button on; send one first or pass message_id"
        }
    }
}
