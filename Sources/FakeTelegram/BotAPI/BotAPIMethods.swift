import Foundation
import MetroSupport

/// The result of a Bot API call, before it is written out.
enum MethodOutcome: Sendable {
    /// Answer now.
    case answer(BotAPIAnswer)
    /// A getUpdates long poll: wait for its answer, at most `timeout`.
    case poll(ticket: UInt64, timeout: Duration)
}

/// What the fake does with a call before running the method.
enum CallAdmission: Sendable {
    case unauthorized
    case fault(botID: Int64, plan: FaultPlan)
    case outcome(MethodOutcome)
}

/// The Bot API methods the fake implements, by lowercased name.
enum BotAPIMethod: String, CaseIterable, Sendable {
    case getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo
    case sendMessage, editMessageText, deleteMessage, answerCallbackQuery
    case setMyCommands, getMyCommands, deleteMyCommands

    static let byLowercasedName: [String: BotAPIMethod] = Dictionary(
        uniqueKeysWithValues: allCases.map { ($0.rawValue.lowercased(), $0) })
}

extension FakeTelegramState {
    /// Admits a call: checks the token, fires faults, and otherwise runs the method.
    func admit(token: String, method: String, params: MethodParameters) -> CallAdmission {
        guard let botID = tokens[token] else { return .unauthorized }
        if bots[botID]?.faults.isEmpty == false, let plan = fireFault(botID: botID, method: method.lowercased()) {
            return .fault(botID: botID, plan: plan)
        }
        return .outcome(perform(botID: botID, method: method, params: params))
    }

    /// Runs a method and records it in the journal (a long poll is recorded when it ends).
    /// - Parameters:
    ///   - arrivedAt: when the call arrived, for the journal. Defaults to now.
    ///   - faultID: the `delay` fault that held the call, for the journal. Defaults to none.
    func perform(
        botID: Int64, method rawMethod: String, params: MethodParameters, arrivedAt at: Date = Date(), faultID: String? = nil
    ) -> MethodOutcome {
        let method = BotAPIMethod.byLowercasedName[rawMethod.lowercased()]
        let name = method?.rawValue ?? rawMethod
        let answer: BotAPIAnswer
        do throws(BotAPIError) {
            guard let method else { throw .methodNotFound }
            switch try run(method, botID: botID, params: params) {
            case .poll(let ticket, let timeout):
                return .poll(ticket: ticket, timeout: timeout)
            case .answer(let result):
                answer = result
            }
        } catch {
            answer = .failure(error)
        }
        record(botID, method: name, params: params.original, at: at, status: answer.status, faultID: faultID)
        return .answer(answer)
    }

    private func run(_ method: BotAPIMethod, botID: Int64, params: MethodParameters) throws(BotAPIError) -> MethodOutcome {
        func ok(_ result: JSONValue, _ description: String? = nil) -> MethodOutcome {
            .answer(.success(result, description: description))
        }
        switch method {
        case .getMe:
            var user = botRecord(botID).userJSON.objectValue!
            user["can_join_groups"] = .bool(true)
            user["can_read_all_group_messages"] = .bool(false)
            user["supports_inline_queries"] = .bool(false)
            user["can_connect_to_business"] = .bool(false)
            user["has_main_web_app"] = .bool(false)
            return ok(.object(user))
        case .getUpdates:
            return try getUpdates(botID: botID, params: params)
        case .setWebhook:
            let (result, description) = try setWebhook(botID: botID, params: params)
            return ok(.bool(result), description)
        case .deleteWebhook:
            return ok(.bool(true), deleteWebhook(botID: botID, drop: params.bool("drop_pending_updates")))
        case .getWebhookInfo:
            return ok(webhookInfo(botID: botID))
        case .sendMessage:
            return ok(try sendMessage(botID: botID, params: params))
        case .editMessageText:
            return ok(try editMessageText(botID: botID, params: params))
        case .deleteMessage:
            try deleteMessage(botID: botID, params: params)
            return ok(.bool(true))
        case .answerCallbackQuery:
            try answerCallbackQuery(botID: botID, params: params)
            return ok(.bool(true))
        case .setMyCommands:
            try setMyCommands(botID: botID, params: params)
            return ok(.bool(true))
        case .getMyCommands:
            return ok(botRecord(botID).commands[try commandScopeKey(params)] ?? .array([]))
        case .deleteMyCommands:
            botRecord(botID).commands[try commandScopeKey(params)] = nil
            return ok(.bool(true))
        }
    }

    // MARK: getUpdates

    private func getUpdates(botID: Int64, params: MethodParameters) throws(BotAPIError) -> MethodOutcome {
        if botRecord(botID).webhook != nil { throw .webhookActive }
        let offset = try params.integer("offset") ?? 0
        let limit = Int(params.clampedInteger("limit", default: 100, 1...100))
        let timeout = params.clampedInteger("timeout", default: 0, 0...50)
        if case .some(let allowed) = UpdateTypes.parseAllowed(params["allowed_updates"]) {
            botRecord(botID).allowedUpdates = allowed
        }
        endActivePoll(botID: botID, with: .otherGetUpdates)
        if offset > 0 {
            confirm(botID: botID, where: { $0.id < offset }, as: .confirmed)
        } else if offset < 0 {
            let keep = Int(min(-offset, Int64(Int.max / 2)))
            let dropCount = max(0, botRecord(botID).queue.count - keep)
            let cutoff = dropCount > 0 ? botRecord(botID).queue[dropCount - 1].id : Int64.min
            confirm(botID: botID, where: { $0.id <= cutoff }, as: .dropped)
        }
        if !botRecord(botID).queue.isEmpty || timeout == 0 {
            return .answer(.success(.array(handOut(botID: botID, limit: limit))))
        }
        let ticket = openPoll(botID: botID, limit: limit, params: params.original)
        return .poll(ticket: ticket, timeout: .seconds(timeout))
    }

    // MARK: Webhooks

    private func setWebhook(botID: Int64, params: MethodParameters) throws(BotAPIError) -> (Bool, String) {
        let now = ContinuousClock.now
        if configuration.rateLimitSetWebhook, let last = botRecord(botID).lastSetWebhookAt,
           now - last < configuration.setWebhookInterval {
            let remaining = configuration.setWebhookInterval - (now - last)
            let seconds = Int(remaining.components.seconds) + (remaining.components.attoseconds > 0 ? 1 : 0)
            throw .tooManyRequests(retryAfter: max(seconds, 1))
        }
        let url = params["url"]?.trimmingCharacters(in: .whitespaces) ?? ""
        if url.isEmpty {
            botRecord(botID).lastSetWebhookAt = now
            return (true, deleteWebhook(botID: botID, drop: params.bool("drop_pending_updates")))
        }
        try WebhookURL.validate(url)
        let secret = params["secret_token"] ?? ""
        if secret.utf8.count > 256 { throw .badRequest("secret token is too long") }
        if !secret.unicodeScalars.allSatisfy({ WebhookURL.secretCharacters.contains($0) }) {
            throw .badRequest("secret token contains unallowed characters")
        }
        let maxConnections = Int(params.clampedInteger("max_connections", default: 40, 1...100))
        let requestedAllowed = UpdateTypes.parseAllowed(params["allowed_updates"])
        let allowed: Set<String>? = requestedAllowed ?? botRecord(botID).allowedUpdates
        let webhook = Webhook(
            url: url, secretToken: secret.isEmpty ? nil : secret, maxConnections: maxConnections, allowedUpdates: allowed)
        botRecord(botID).lastSetWebhookAt = now
        let drop = params.bool("drop_pending_updates")
        // Updates waiting for a failing webhook are tried again at once.
        for index in botRecord(botID).queue.indices {
            botRecord(botID).queue[index].nextAttemptAt = now
            botRecord(botID).queue[index].retryDelay = configuration.deliveryRetryBaseDelay
        }
        if botRecord(botID).webhook == webhook && !drop {
            doorbell.ring()
            return (true, "Webhook is already set")
        }
        endActivePoll(botID: botID, with: .terminatedBySetWebhook)
        botRecord(botID).webhook = webhook
        botRecord(botID).allowedUpdates = allowed
        botRecord(botID).webhookGeneration += 1
        botRecord(botID).inFlightKeys.removeAll()
        for index in botRecord(botID).queue.indices { botRecord(botID).queue[index].inFlight = false }
        botRecord(botID).lastErrorDate = nil
        botRecord(botID).lastErrorMessage = nil
        if drop { confirm(botID: botID, where: { _ in true }, as: .dropped) }
        doorbell.ring()
        return (true, "Webhook was set")
    }

    func deleteWebhook(botID: Int64, drop: Bool) -> String {
        if drop { confirm(botID: botID, where: { _ in true }, as: .dropped) }
        guard botRecord(botID).webhook != nil else { return "Webhook is already deleted" }
        botRecord(botID).webhook = nil
        botRecord(botID).webhookGeneration += 1
        botRecord(botID).inFlightKeys.removeAll()
        for index in botRecord(botID).queue.indices {
            botRecord(botID).queue[index].inFlight = false
            botRecord(botID).queue[index].nextAttemptAt = .now
            botRecord(botID).queue[index].retryDelay = configuration.deliveryRetryBaseDelay
        }
        return "Webhook was deleted"
    }

    private func webhookInfo(botID: Int64) -> JSONValue {
        let record = botRecord(botID)
        var info: [String: JSONValue] = [
            "url": .string(record.webhook?.url ?? ""), "has_custom_certificate": .bool(false),
            "pending_update_count": .int(Int64(record.pendingCount)),
        ]
        if let date = record.lastErrorDate { info["last_error_date"] = .int(date) }
        if let message = record.lastErrorMessage { info["last_error_message"] = .string(message) }
        if let webhook = record.webhook {
            info["max_connections"] = .int(Int64(webhook.maxConnections))
            if let allowed = webhook.allowedUpdates, allowed != UpdateTypes.defaultAllowed {
                info["allowed_updates"] = .array(UpdateTypes.all.filter(allowed.contains).map { .string($0) })
            }
        }
        return .object(info)
    }

    // MARK: Messages

    private func chatID(_ params: MethodParameters) throws(BotAPIError) -> Int64 {
        if case .int(let id) = params.values["chat_id"] { return id }
        guard let raw = params.string("chat_id")?.trimmingWhitespaces() else {
            throw .badRequest("chat_id is empty")
        }
        guard let id = Int64(raw) else { throw .chatNotFound }
        return id
    }

    private func existingChat(botID: Int64, _ params: MethodParameters) throws(BotAPIError) -> Int64 {
        let id = try chatID(params)
        guard botRecord(botID).chats[id] != nil else { throw .chatNotFound }
        return id
    }

    private func sendMessage(botID: Int64, params: MethodParameters) throws(BotAPIError) -> JSONValue {
        let chatID = try existingChat(botID: botID, params)
        let text = try MessageText.validated(params["text"], parseMode: params["parse_mode"])
        let markup = try ReplyMarkup.parse(params, inlineOnly: false)
        var replyTo: Int64?
        guard case .some(var replyParameters) = params.json("reply_parameters") else {
            throw .badRequest("can't parse reply parameters JSON object")
        }
        if replyParameters == nil, let legacy = try params.integer("reply_to_message_id") {
            replyParameters = .object([
                "message_id": .int(legacy),
                "allow_sending_without_reply": .bool(params.bool("allow_sending_without_reply")),
            ])
        }
        if let replyParameters {
            guard let messageID = replyParameters["message_id"]?.intValue else {
                throw .badRequest("can't parse reply parameters JSON object")
            }
            if botRecord(botID).chats[chatID]?.messages[messageID] != nil {
                replyTo = messageID
            } else if replyParameters["allow_sending_without_reply"] != .bool(true) {
                throw .badRequest("message to be replied not found")
            }
        }
        let id = nextMessageID(botID: botID, chatID: chatID)
        store(
            StoredMessage(
                id: id, fromBot: true, date: Self.unixNow, text: text, replyMarkup: markup, replyToMessageID: replyTo),
            botID: botID, chatID: chatID)
        return messageJSON(botID: botID, chatID: chatID, messageID: id, anyMarkup: false)!
    }

    private func editMessageText(botID: Int64, params: MethodParameters) throws(BotAPIError) -> JSONValue {
        if params.string("inline_message_id") != nil, params.string("chat_id") == nil {
            throw .badRequest("MESSAGE_ID_INVALID")
        }
        let chatID = try existingChat(botID: botID, params)
        guard let messageID = try params.integer("message_id") else { throw .badRequest("message identifier is not specified") }
        guard let message = botRecord(botID).chats[chatID]?.messages[messageID] else {
            throw .badRequest("message to edit not found")
        }
        guard message.fromBot else { throw .badRequest("message can't be edited") }
        let text = try MessageText.validated(params["text"], parseMode: params["parse_mode"])
        let markup = try ReplyMarkup.parse(params, inlineOnly: true)
        let currentInline = message.replyMarkup?["inline_keyboard"] != nil ? message.replyMarkup : nil
        if text == message.text && markup == currentInline {
            throw .badRequest(
                "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
        }
        let record = botRecord(botID)
        record.chats[chatID]?.messages[messageID]?.text = text
        record.chats[chatID]?.messages[messageID]?.replyMarkup = markup
        record.chats[chatID]?.messages[messageID]?.editDate = Self.unixNow
        return messageJSON(botID: botID, chatID: chatID, messageID: messageID, anyMarkup: false)!
    }

    private func deleteMessage(botID: Int64, params: MethodParameters) throws(BotAPIError) {
        let chatID = try existingChat(botID: botID, params)
        guard let messageID = try params.integer("message_id") else { throw .badRequest("message identifier is not specified") }
        guard botRecord(botID).chats[chatID]?.messages.removeValue(forKey: messageID) != nil else {
            throw .badRequest("message to delete not found")
        }
        botRecord(botID).chats[chatID]?.order.removeAll { $0 == messageID }
    }

    private func answerCallbackQuery(botID: Int64, params: MethodParameters) throws(BotAPIError) {
        guard let id = params.string("callback_query_id") else { throw .badRequest("callback_query_id is empty") }
        guard let callback = botRecord(botID).callbacks[id], !callback.answered else {
            throw .badRequest("query is too old and response timeout expired or query ID is invalid")
        }
        if let text = params["text"], text.utf16.count > 200 { throw .badRequest("MESSAGE_TOO_LONG") }
        botRecord(botID).callbacks[id]?.answered = true
    }

    // MARK: Commands

    private func commandScopeKey(_ params: MethodParameters) throws(BotAPIError) -> String {
        var scope = "default"
        if let raw = params.string("scope") {
            guard let type = JSONValue.parse(raw)?["type"]?.stringValue else {
                throw .badRequest("can't parse BotCommandScope JSON object")
            }
            scope = type
            if let chat = JSONValue.parse(raw)?["chat_id"] { scope += ":\(chat.jsonText)" }
            if let user = JSONValue.parse(raw)?["user_id"] { scope += ":\(user.jsonText)" }
        }
        return scope + "|" + (params["language_code"] ?? "")
    }

    private func setMyCommands(botID: Int64, params: MethodParameters) throws(BotAPIError) {
        guard let raw = params.string("commands") else { throw .badRequest("parameter \"commands\" is required") }
        guard let list = JSONValue.parse(raw)?.arrayValue else { throw .badRequest("can't parse commands JSON object") }
        if list.count > 100 { throw .badRequest("too many commands specified") }
        var commands: [JSONValue] = []
        for item in list {
            guard let command = item["command"]?.stringValue, let description = item["description"]?.stringValue else {
                throw .badRequest("can't parse BotCommand")
            }
            let normalized = command.hasPrefix("/") ? String(command.dropFirst()) : command
            let allowed = normalized.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
            }
            guard (1...32).contains(normalized.count), allowed else { throw .badRequest("BOT_COMMAND_INVALID") }
            guard (1...256).contains(description.count) else { throw .badRequest("BOT_COMMAND_DESCRIPTION_INVALID") }
            commands.append(.object(["command": .string(normalized), "description": .string(description)]))
        }
        botRecord(botID).commands[try commandScopeKey(params)] = .array(commands)
    }
}
