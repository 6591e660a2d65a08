import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A client of the Telegram Bot API (https://core.telegram.org/bots/api) for the methods the
/// bot uses.
///
/// Every call is a JSON `POST` to `"\(baseURL)/bot\(token)/\(method)"` over the given
/// `HTTPClient`, completed — connection, answer and body — within `timeout` (for `getUpdates`,
/// its long-poll timeout plus `timeout`). The body is read up to `maxResponseBytes`. Cancelling
/// the calling task cancels the request and throws `CancellationError`. Failures are thrown as
/// `TelegramError`; the client itself never retries, so that the caller decides (honouring
/// `retryAfter` on 429). The token never appears in errors or log lines.
public struct TelegramClient: Sendable {
    private let token: String
    private let baseURL: String
    private let httpClient: HTTPClient
    private let timeout: Duration
    private let maxResponseBytes: Int
    private let logger: Logger
    private let metrics: BotMetrics

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - token: the bot token issued by BotFather (`123456:ABC…`).
    ///   - baseURL: the Bot API server, e.g. `https://api.telegram.org` or a fake's base URL; a
    ///     trailing slash is ignored.
    ///   - httpClient: the shared client; its owner shuts it down after the last call.
    ///   - timeout: the deadline of each call (`HTTP_TIMEOUT`).
    ///   - maxResponseBytes: the largest answer accepted. Defaults to 16 MiB.
    ///   - logger: receives one debug line per call (method, status, duration; never the token).
    ///   - metrics: records each call's duration and error code. Defaults to a registry of its own.
    public init(
        token: String,
        baseURL: String,
        httpClient: HTTPClient,
        timeout: Duration,
        maxResponseBytes: Int = 16 << 20,
        logger: Logger,
        metrics: BotMetrics = BotMetrics()
    ) {
        self.token = token
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.httpClient = httpClient
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.logger = logger
        self.metrics = metrics
    }

    // MARK: - Methods

    /// `getMe`: the bot's own user; a cheap check that the token is valid.
    public func getMe() async throws -> User {
        try await call("getMe", NoParameters(), returning: User.self)
    }

    /// `sendMessage`: sends `text` to `chatID`, optionally with a keyboard, and returns the sent message.
    public func sendMessage(chatID: Int64, text: String, replyMarkup: ReplyMarkup? = nil) async throws -> Message {
        try await call("sendMessage", SendMessage(chatID: chatID, text: text, replyMarkup: replyMarkup), returning: Message.self)
    }

    /// `editMessageText`: replaces the text (and inline keyboard) of a message the bot sent.
    public func editMessageText(chatID: Int64, messageID: Int64, text: String, replyMarkup: ReplyMarkup? = nil) async throws -> Message {
        try await call(
            "editMessageText",
            EditMessageText(chatID: chatID, messageID: messageID, text: text, replyMarkup: replyMarkup),
            returning: Message.self
        )
    }

    /// `deleteMessage`: deletes a message the bot sent.
    public func deleteMessage(chatID: Int64, messageID: Int64) async throws {
        _ = try await call("deleteMessage", DeleteMessage(chatID: chatID, messageID: messageID), returning: Bool.self)
    }

    /// `answerCallbackQuery`: stops the client's progress indicator on an inline button, with an
    /// optional notification `text`.
    public func answerCallbackQuery(id: String, text: String? = nil) async throws {
        _ = try await call("answerCallbackQuery", AnswerCallbackQuery(callbackQueryID: id, text: text), returning: Bool.self)
    }

    /// `getUpdates`: long-polls for updates.
    ///
    /// - Parameters:
    ///   - offset: the first update id wanted; passing `last update_id + 1` confirms the earlier ones.
    ///   - limit: at most this many updates (1–100). Defaults to 100.
    ///   - timeout: the long-poll timeout in seconds; the call's deadline is this plus the client's `timeout`.
    ///   - allowedUpdates: update kinds wanted (`["message", "callback_query"]`); nil keeps the previous setting.
    /// - Returns: the updates, in order. An update whose content cannot be decoded is returned with
    ///   only its `updateID` and the reason (and its JSON, re-serialized), so that the caller can
    ///   dead-letter and confirm it and polling does not stall on it.
    public func getUpdates(offset: Int64?, limit: Int = 100, timeout: Int, allowedUpdates: [String]? = nil) async throws -> [ReceivedUpdate] {
        let (lossy, answer) = try await callKeepingBody(
            "getUpdates",
            GetUpdates(offset: offset, limit: limit, timeout: timeout, allowedUpdates: allowedUpdates),
            returning: [LossyUpdate].self,
            longPoll: .seconds(max(timeout, 0))
        )
        return lossy.enumerated().map { index, element in
            guard let failure = element.failure else { return ReceivedUpdate(element.update) }
            logger.warning("update content could not be decoded; passing on its id only", metadata: [
                "update_id": "\(element.update.updateID)", "reason": "\(failure)",
            ])
            return ReceivedUpdate(element.update, rawJSON: Self.element(index, ofResultIn: Data(answer.readableBytesView)),
                                  undecodable: failure)
        }
    }

    /// The `index`th element of the `result` array in a Bot API answer, as JSON text (re-serialized,
    /// so key order and spacing may differ from the original).
    static func element(_ index: Int, ofResultIn answer: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: answer) as? [String: Any],
              let result = object["result"] as? [Any], result.indices.contains(index),
              let data = try? JSONSerialization.data(withJSONObject: result[index], options: [.sortedKeys])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// `setWebhook`: asks Telegram to deliver updates to `url`, with `secretToken` in the
    /// `X-Telegram-Bot-Api-Secret-Token` header of every delivery.
    ///
    /// - Parameters:
    ///   - dropPendingUpdates: drop updates not delivered yet. Defaults to false.
    ///   - maxConnections: parallel deliveries (1–100); nil keeps Telegram's default (40).
    public func setWebhook(
        url: String,
        secretToken: String,
        allowedUpdates: [String]?,
        dropPendingUpdates: Bool = false,
        maxConnections: Int? = nil
    ) async throws {
        _ = try await call(
            "setWebhook",
            SetWebhook(url: url, secretToken: secretToken, allowedUpdates: allowedUpdates,
                       dropPendingUpdates: dropPendingUpdates, maxConnections: maxConnections),
            returning: Bool.self
        )
    }

    /// `deleteWebhook`: switches the bot back to `getUpdates`.
    ///
    /// - Parameter dropPendingUpdates: drop updates not delivered yet. Defaults to false.
    public func deleteWebhook(dropPendingUpdates: Bool = false) async throws {
        _ = try await call("deleteWebhook", DeleteWebhook(dropPendingUpdates: dropPendingUpdates), returning: Bool.self)
    }

    /// `getWebhookInfo`: the webhook's URL, pending update count and last delivery error.
    public func getWebhookInfo() async throws -> WebhookInfo {
        try await call("getWebhookInfo", NoParameters(), returning: WebhookInfo.self)
    }

    /// `setMyCommands`: the command menu shown by Telegram clients.
    public func setMyCommands(_ commands: [BotCommand]) async throws {
        _ = try await call("setMyCommands", SetMyCommands(commands: commands), returning: Bool.self)
    }

    // MARK: - Transport

    private func call<Parameters: Encodable & Sendable, Result: Decodable>(
        _ method: String,
        _ parameters: Parameters,
        returning: Result.Type,
        longPoll: Duration = .zero
    ) async throws -> Result {
        try await callKeepingBody(method, parameters, returning: Result.self, longPoll: longPoll).result
    }

    /// `call`, also returning the answer's body.
    private func callKeepingBody<Parameters: Encodable & Sendable, Result: Decodable>(
        _ method: String,
        _ parameters: Parameters,
        returning: Result.Type,
        longPoll: Duration = .zero
    ) async throws -> (result: Result, body: ByteBuffer) {
        var request = HTTPClientRequest(url: "\(baseURL)/bot\(token)/\(method)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        let body: Data
        do {
            body = try JSONEncoder().encode(parameters)
        } catch {
            throw TelegramError.badRequest("the parameters of \(method) cannot be encoded as JSON: \(error)")
        }
        request.body = .bytes(ByteBuffer(bytes: body))

        let started = ContinuousClock.now
        do {
            let response: HTTPExchangeResponse
            do {
                response = try await HTTPExchange.perform(
                    request, on: httpClient, timeout: timeout + longPoll,
                    maxBodyBytes: maxResponseBytes, logger: logger
                )
            } catch let error as HTTPExchangeError {
                let mapped = mapped(error)
                logger.debug("telegram call failed", metadata: [
                    "telegram.method": "\(method)", "error": "\(mapped)",
                ])
                throw mapped
            }
            logger.debug("telegram call", metadata: [
                "telegram.method": "\(method)",
                "http.status": "\(response.status)",
                "duration_ms": "\(HTTPExchange.milliseconds(ContinuousClock.now - started))",
            ])
            let result = try decode(response, method: method, as: Result.self)
            metrics.telegramRequest(method: method, duration: ContinuousClock.now - started)
            return (result, response.body)
        } catch let error as TelegramError {
            metrics.telegramRequest(method: method, duration: ContinuousClock.now - started, errorCode: error.metricsCode,
                                    retryAfter: error.retryAfter, detail: error.description)
            throw error
        }
    }

    private func mapped(_ error: HTTPExchangeError) -> TelegramError {
        switch error {
        case .timeout:
            return .timeout
        case .notConnected(let detail), .connectionLost(let detail):
            return .transport(redacted(detail))
        case .bodyTooLarge(let limit):
            return .malformedResponse("the answer is larger than \(limit) bytes")
        }
    }

    private func decode<Result: Decodable>(_ response: HTTPExchangeResponse, method: String, as: Result.Type) throws -> Result {
        let data = Data(response.body.readableBytesView)
        let decoder = JSONDecoder()
        // The usual answer, `{"ok": true, "result": …}`, is decoded in one pass. Anything else is
        // decoded again below, envelope first, to say precisely what is wrong with it.
        if let answer = try? decoder.decode(ResultEnvelope<Result>.self, from: data), answer.ok {
            return answer.result
        }
        guard let envelope = try? decoder.decode(ErrorEnvelope.self, from: data) else {
            // Not a Bot API answer: a proxy's error page, a truncated body, garbage.
            let summary = "HTTP \(response.status) with a body that is not a Bot API answer: \(redacted(response.bodySnippet()))"
            if (200..<300).contains(response.status) {
                throw TelegramError.malformedResponse(summary)
            }
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
            throw TelegramError.from(errorCode: response.status, description: summary, retryAfterSeconds: retryAfter)
        }
        guard envelope.ok else {
            let code = envelope.errorCode ?? response.status
            let description = redacted(envelope.description ?? "no description (HTTP \(response.status))")
            throw TelegramError.from(errorCode: code, description: description, retryAfterSeconds: envelope.parameters?.retryAfter)
        }
        do {
            return try decoder.decode(ResultEnvelope<Result>.self, from: data).result
        } catch let error as DecodingError {
            throw TelegramError.malformedResponse("the result of \(method) does not have the expected shape: \(error.fieldSummary)")
        } catch {
            throw TelegramError.malformedResponse("the result of \(method) cannot be decoded: \(error)")
        }
    }

    /// Removes the token, and its secret part after the colon, from text that may echo a URL.
    private func redacted(_ text: String) -> String {
        var text = text.replacingOccurrences(of: token, with: "[REDACTED]")
        if let colon = token.firstIndex(of: ":") {
            let secret = token[token.index(after: colon)...]
            if !secret.isEmpty { text = text.replacingOccurrences(of: secret, with: "[REDACTED]") }
        }
        return text
    }
}

// MARK: - Wire types

private struct NoParameters: Encodable, Sendable {}

private struct SendMessage: Encodable, Sendable {
    var chatID: Int64
    var text: String
    var replyMarkup: ReplyMarkup?

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id", text, replyMarkup = "reply_markup"
    }
}

private struct EditMessageText: Encodable, Sendable {
    var chatID: Int64
    var messageID: Int64
    var text: String
    var replyMarkup: ReplyMarkup?

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id", messageID = "message_id", text, replyMarkup = "reply_markup"
    }
}

private struct DeleteMessage: Encodable, Sendable {
    var chatID: Int64
    var messageID: Int64

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id", messageID = "message_id"
    }
}

private struct AnswerCallbackQuery: Encodable, Sendable {
    var callbackQueryID: String
    var text: String?

    enum CodingKeys: String, CodingKey {
        case callbackQueryID = "callback_query_id", text
    }
}

private struct GetUpdates: Encodable, Sendable {
    var offset: Int64?
    var limit: Int
    var timeout: Int
    var allowedUpdates: [String]?

    enum CodingKeys: String, CodingKey {
        case offset, limit, timeout, allowedUpdates = "allowed_updates"
    }
}

private struct SetWebhook: Encodable, Sendable {
    var url: String
    var secretToken: String
    var allowedUpdates: [String]?
    var dropPendingUpdates: Bool
    var maxConnections: Int?

    enum CodingKeys: String, CodingKey {
        case url, secretToken = "secret_token", allowedUpdates = "allowed_updates"
        case dropPendingUpdates = "drop_pending_updates", maxConnections = "max_connections"
    }
}

private struct DeleteWebhook: Encodable, Sendable {
    var dropPendingUpdates: Bool

    enum CodingKeys: String, CodingKey {
        case dropPendingUpdates = "drop_pending_updates"
    }
}

private struct SetMyCommands: Encodable, Sendable {
    var commands: [BotCommand]
}

/// The parts of every Bot API answer that say whether it failed and why.
private struct ErrorEnvelope: Decodable {
    var ok: Bool
    var errorCode: Int?
    var description: String?
    var parameters: ResponseParameters?

    enum CodingKeys: String, CodingKey {
        case ok, errorCode = "error_code", description, parameters
    }
}

/// https://core.telegram.org/bots/api#responseparameters
private struct ResponseParameters: Decodable {
    var retryAfter: Int?
    var migrateToChatID: Int64?

    enum CodingKeys: String, CodingKey {
        case retryAfter = "retry_after", migrateToChatID = "migrate_to_chat_id"
    }
}

private struct ResultEnvelope<Result: Decodable>: Decodable {
    var ok: Bool
    var result: Result
}

/// An element of `getUpdates`' result that decodes even when its content does not.
private struct LossyUpdate: Decodable {
    var update: Update
    var failure: String?

    init(from decoder: any Decoder) throws {
        do {
            update = try Update(from: decoder)
        } catch let error as DecodingError {
            // Without an update_id the batch is unusable: let the error propagate.
            update = Update(updateID: try UpdateIDOnly(from: decoder).updateID)
            failure = error.fieldSummary
        }
    }
}

/// The `update_id` of an update whose content does not decode.
struct UpdateIDOnly: Decodable {
    var updateID: Int64
    enum CodingKeys: String, CodingKey { case updateID = "update_id" }
}
