import AsyncHTTPClient
@testable import Bot
import FakeTelegram
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing
import MetroSupport

/// Runs `body` with a started fake Telegram, a registered bot, a client for it and the fake's
/// control API; everything is stopped afterwards, on failure too.
private func withTelegram(
    timeout: Duration = .seconds(10),
    _ body: @Sendable (TelegramClient, RegisteredBot, TelegramControl) async throws -> Void
) async throws {
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        try await FakeTelegram.withRunning { fake in
            let bot = await fake.registerBot()
            let client = TelegramClient(
                token: bot.token, baseURL: fake.baseURL, httpClient: http, timeout: timeout,
                logger: Logger(label: "test.telegram")
            )
            try await body(client, bot, TelegramControl(fake: fake, baseURL: fake.baseURL, http: http))
        }
    } catch {
        try? await http.shutdown()
        throw error
    }
    try await http.shutdown()
}

/// The fake's HTTP control API (DESIGN.md, "Fake Telegram"), one helper per route.
private struct TelegramControl: Sendable {
    let fake: FakeTelegram
    let baseURL: String
    let http: HTTPClient

    @discardableResult
    func request(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> Any {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        try #require((200..<300).contains(Int(response.status.code)), "\(method) \(path): \(response.status) \(String(buffer: body))")
        return try JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed])
    }

    /// Injects a text message from user `userID`; returns its update id.
    func sendMessage(from userID: Int64, text: String) async throws -> Int64 {
        let answer = try await request(.POST, "/control/users/\(userID)/messages", json: #"{"text": \#(jsonString(text)), "first_name": "Ana", "username": "ana"}"#)
        return try #require((answer as? [String: Any])?["update_id"] as? Int).int64
    }

    /// Injects a callback query on message `messageID`; returns its update id.
    func pressButton(user userID: Int64, data: String, messageID: Int64) async throws -> Int64 {
        let answer = try await request(.POST, "/control/users/\(userID)/callbacks", json: #"{"data": \#(jsonString(data)), "message_id": \#(messageID)}"#)
        return try #require((answer as? [String: Any])?["update_id"] as? Int).int64
    }

    /// Adds a fault rule (JSON as in DESIGN.md).
    func addFault(_ json: String) async throws {
        try await request(.POST, "/control/faults", json: json)
    }

    /// The messages the bot sent to `chatID`, as the fake recorded them.
    func messages(inChat chatID: Int64) async throws -> [[String: Any]] {
        try #require(try await request(.GET, "/control/chats/\(chatID)/messages") as? [[String: Any]])
    }

    /// The journal of calls of `method`.
    func calls(_ method: String) async throws -> [[String: Any]] {
        try #require(try await request(.GET, "/control/calls?method=\(method)") as? [[String: Any]])
    }

    /// The state of an update: `queued`, `delivered` or `confirmed`.
    func updateState(_ updateID: Int64) async throws -> String? {
        (try await request(.GET, "/control/updates/\(updateID)") as? [String: Any])?["state"] as? String
    }

    private func jsonString(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
    }
}

private extension Int {
    var int64: Int64 { Int64(self) }
}

@Suite struct TelegramClientTests {
    @Test("getMe returns the bot the token belongs to")
    func getMe() async throws {
        try await withTelegram { client, bot, _ in
            let me = try await client.getMe()
            #expect(me.id == bot.id)
            #expect(me.isBot)
            #expect(me.username == bot.username)
        }
    }

    @Test("sendMessage delivers the text and the reply keyboard to the chat; editMessageText replaces the text")
    func sendAndEdit() async throws {
        try await withTelegram { client, _, control in
            _ = try await control.sendMessage(from: 1001, text: "/start")  // the chat exists once the user wrote
            let keyboard = ReplyMarkup.keyboard(ReplyKeyboard(keyboard: [[KeyboardButton(text: "Send location", requestLocation: true)]]))
            let sent = try await client.sendMessage(chatID: 1001, text: "Where are you?", replyMarkup: keyboard)
            #expect(sent.chat.id == 1001)
            #expect(sent.text == "Where are you?")

            let inline = ReplyMarkup.inlineKeyboard([[InlineKeyboardButton(text: "Undo", callbackData: "undo")]])
            let edited = try await client.editMessageText(chatID: 1001, messageID: sent.messageID, text: "Checked in", replyMarkup: inline)
            #expect(edited.messageID == sent.messageID)
            #expect(edited.text == "Checked in")

            let messages = try await control.messages(inChat: 1001)
            try #require(messages.count == 1)
            #expect(messages[0]["text"] as? String == "Checked in")
            let markup = try #require(messages[0]["reply_markup"] as? [String: Any])
            #expect(markup["inline_keyboard"] != nil)
        }
    }

    @Test("sendMessage sends the keyboard as Bot API JSON (request_location, resize_keyboard)")
    func keyboardOnTheWire() async throws {
        try await withTelegram { client, _, control in
            _ = try await control.sendMessage(from: 1002, text: "/checkin")
            let keyboard = ReplyMarkup.keyboard(ReplyKeyboard(keyboard: [[KeyboardButton(text: "📍 Send location", requestLocation: true)]]))
            _ = try await client.sendMessage(chatID: 1002, text: "Share your location", replyMarkup: keyboard)
            let markup = try #require(try await control.messages(inChat: 1002).first?["reply_markup"] as? [String: Any])
            let button = try #require((markup["keyboard"] as? [[[String: Any]]])?.first?.first)
            #expect(button["text"] as? String == "📍 Send location")
            #expect(button["request_location"] as? Bool == true)
            #expect(markup["resize_keyboard"] as? Bool == true)
        }
    }

    @Test("getUpdates returns injected updates in order; the next offset confirms them")
    func getUpdatesAndConfirm() async throws {
        try await withTelegram { client, _, control in
            let first = try await control.sendMessage(from: 1001, text: "/checkin")
            let second = try await control.sendMessage(from: 1001, text: "/status")
            let updates = try await client.getUpdates(offset: nil, timeout: 0).map(\.update)
            #expect(updates.map(\.updateID) == [first, second])
            #expect(updates.map { $0.message?.text } == ["/checkin", "/status"])
            #expect(updates.first?.message?.from?.id == 1001)
            #expect(updates.first?.message?.chat.id == 1001)

            let after = try await client.getUpdates(offset: second + 1, timeout: 0)
            #expect(after.isEmpty)
            #expect(try await control.updateState(first) == "confirmed")
            #expect(try await control.updateState(second) == "confirmed")
        }
    }

    @Test("a long poll returns as soon as an update arrives")
    func longPoll() async throws {
        try await withTelegram(timeout: .seconds(10)) { client, _, control in
            async let polled = client.getUpdates(offset: nil, timeout: 30, allowedUpdates: ["message"])
            let injected = try await control.sendMessage(from: 1003, text: "hello")
            let updates = try await polled
            #expect(updates.map(\.update.updateID) == [injected])
        }
    }

    @Test("a callback query arrives with its id, and answerCallbackQuery is accepted")
    func callbackQuery() async throws {
        try await withTelegram { client, _, control in
            _ = try await control.sendMessage(from: 1004, text: "/start")
            let sent = try await client.sendMessage(
                chatID: 1004, text: "Undo?",
                replyMarkup: .inlineKeyboard([[InlineKeyboardButton(text: "Undo", callbackData: "undo")]])
            )
            let pressed = try await control.pressButton(user: 1004, data: "undo", messageID: sent.messageID)
            let update = try #require(try await client.getUpdates(offset: nil, timeout: 0).map(\.update).first { $0.updateID == pressed })
            let query = try #require(update.callbackQuery)
            #expect(query.data == "undo")
            #expect(query.from.id == 1004)
            try await client.answerCallbackQuery(id: query.id, text: "Undone")
            let calls = try await control.calls("answerCallbackQuery")
            #expect((calls.last?["params"] as? [String: Any])?["callback_query_id"] as? String == query.id)
        }
    }

    @Test("setWebhook, getWebhookInfo and deleteWebhook round-trip; getUpdates meanwhile is a 409 conflict")
    func webhookLifecycle() async throws {
        try await withTelegram { client, _, _ in
            try await client.setWebhook(url: "http://127.0.0.1:9/telegram/webhook", secretToken: "s3cr3t-token", allowedUpdates: ["message", "callback_query"], maxConnections: 5)
            let info = try await client.getWebhookInfo()
            #expect(info.url == "http://127.0.0.1:9/telegram/webhook")
            #expect(info.maxConnections == 5)
            #expect(info.allowedUpdates == ["message", "callback_query"])

            let error = await #expect(throws: TelegramError.self) { try await client.getUpdates(offset: nil, timeout: 0) }
            guard case .conflict = error else { Issue.record("expected conflict, got \(String(describing: error))"); return }
            #expect(error?.isRetryable == false)

            try await client.deleteWebhook(dropPendingUpdates: true)
            #expect(try await client.getWebhookInfo().url == "")
            #expect(try await client.getUpdates(offset: nil, timeout: 0).isEmpty)
        }
    }

    @Test("setMyCommands sends the commands as JSON")
    func setMyCommands() async throws {
        try await withTelegram { client, _, control in
            try await client.setMyCommands([BotCommand(command: "checkin", description: "Check in"), BotCommand(command: "status", description: "Last action")])
            let params = try #require(try await control.calls("setMyCommands").last?["params"] as? [String: Any])
            let commands = try #require(params["commands"] as? [[String: Any]])
            #expect(commands.map { $0["command"] as? String } == ["checkin", "status"])
        }
    }

    @Test("a wrong token is unauthorized, and the token appears in no error text")
    func wrongToken() async throws {
        try await withTelegram { _, bot, control in
            let wrongToken = "\(bot.id):WRONGwrongWRONGwrongWRONGwrongWRONG"
            let client = TelegramClient(token: wrongToken, baseURL: control.baseURL, httpClient: control.http, timeout: .seconds(10), logger: Logger(label: "test"))
            let error = await #expect(throws: TelegramError.self) { try await client.getMe() }
            #expect(error == .unauthorized)
            #expect(error?.errorCode == 401)
            #expect(!"\(String(describing: error))".contains("WRONGwrong"))
        }
    }

    @Test("every Bot API error kind is decoded into its TelegramError", arguments: [
        (#"{"status": 429, "retry_after": 7}"#, "tooManyRequests", 429, true),
        (#"{"status": 400, "message": "Bad Request: chat not found"}"#, "badRequest", 400, false),
        (#"{"status": 403, "message": "Forbidden: bot was blocked by the user"}"#, "badRequest", 403, false),
        (#"{"status": 409, "message": "Conflict: terminated by other getUpdates request"}"#, "conflict", 409, false),
        (#"{"status": 401}"#, "unauthorized", 401, false),
        (#"{"status": 500, "message": "Internal Server Error"}"#, "serverError", 500, true),
        (#"{"status": 502, "body": "<html>Bad Gateway</html>"}"#, "serverError", 502, true),
    ])
    func errorKinds(respond: String, kind: String, code: Int, retryable: Bool) async throws {
        try await withTelegram { client, _, control in
            try await control.addFault(#"{"match": {"method": "sendMessage"}, "respond": \#(respond), "times": 1}"#)
            _ = try await control.sendMessage(from: 1005, text: "/start")
            let error = try #require(await #expect(throws: TelegramError.self) {
                try await client.sendMessage(chatID: 1005, text: "hi")
            })
            #expect("\(error)".isEmpty == false)
            #expect(Self.kind(of: error) == kind, "\(error)")
            #expect(error.errorCode == code)
            #expect(error.isRetryable == retryable)
            // The fault fired once: the next call succeeds.
            #expect(try await client.sendMessage(chatID: 1005, text: "again").text == "again")
        }
    }

    @Test("429 surfaces parameters.retry_after as a Duration")
    func retryAfter() async throws {
        try await withTelegram { client, _, control in
            try await control.addFault(#"{"match": {"method": "getMe"}, "respond": {"status": 429, "retry_after": 12}, "times": 1}"#)
            let error = await #expect(throws: TelegramError.self) { try await client.getMe() }
            #expect(error?.retryAfter == .seconds(12))
            guard case .tooManyRequests(_, let description) = error else { Issue.record("not 429: \(String(describing: error))"); return }
            #expect(description.contains("Too Many Requests"))
        }
    }

    @Test("an answer slower than the client timeout is a timeout, for a delay and for a server that never answers",
          arguments: [#""delay": "5s""#, #""action": "timeout""#])
    func timeouts(fault: String) async throws {
        try await withTelegram(timeout: .milliseconds(300)) { client, _, control in
            try await control.addFault(#"{"match": {"method": "getMe"}, \#(fault), "times": 1}"#)
            let error = await #expect(throws: TelegramError.self) { try await client.getMe() }
            #expect(error == .timeout)
            #expect(error?.isRetryable == true)
        }
    }

    @Test("a dropped connection is a transport error; a garbage body is a malformed response", arguments: [
        ("reset", "transport"), ("close", "transport"), ("garbage", "malformedResponse"),
    ])
    func brokenAnswers(action: String, kind: String) async throws {
        try await withTelegram(timeout: .seconds(10)) { client, bot, control in
            try await control.addFault(#"{"match": {"method": "getMe"}, "action": "\#(action)", "times": 1}"#)
            let error = try #require(await #expect(throws: TelegramError.self) { try await client.getMe() })
            #expect(Self.kind(of: error) == kind, "\(error)")
            #expect(!"\(error)".contains(bot.token))
        }
    }

    @Test("the getUpdates deadline is its long-poll timeout plus the client timeout")
    func longPollDeadline() async throws {
        // A client timeout of 8 s alone would end a 9-second long poll early; it must not. The
        // deadline (17 s) leaves a loaded machine 8 s to deliver the fake's answer.
        try await withTelegram(timeout: .seconds(8)) { client, _, _ in
            let updates = try await client.getUpdates(offset: nil, timeout: 9)
            #expect(updates.isEmpty)
        }
    }

    @Test("an update whose content does not decode is passed on with its update_id, so polling cannot stall")
    func undecodableUpdate() async throws {
        try await withTelegram { client, _, control in
            // A message without the required `chat` and `date`.
            try await control.request(.POST, "/control/updates", json: #"{"message": {"message_id": 5, "text": "odd"}}"#)
            let updates = try await client.getUpdates(offset: nil, timeout: 0)
            let received = try #require(updates.first)
            #expect(received.update.message == nil)
            #expect(received.undecodable?.contains("message") == true, "\(String(describing: received.undecodable))")
            // The element's JSON is kept for the dead letter it becomes.
            #expect(received.rawJSON?.contains(#""text":"odd""#) == true, "\(String(describing: received.rawJSON))")
            #expect(try await client.getUpdates(offset: received.update.updateID + 1, timeout: 0).isEmpty)
        }
    }

    @Test("cancelling the calling task cancels a long poll with CancellationError")
    func cancellation() async throws {
        try await withTelegram(timeout: .seconds(5)) { client, _, control in
            let poll = Task { try await client.getUpdates(offset: nil, timeout: 50) }
            // Wait until the fake holds the long poll, so the cancellation hits a request in flight.
            while try await !control.fake.hasOpenLongPoll() {
                try await Task.sleep(for: .milliseconds(10))
            }
            poll.cancel()
            await #expect(throws: CancellationError.self) { try await poll.value }
        }
    }

    @Test("a refused connection is a retryable transport error")
    func connectionRefused() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(1))))
        // Port 9 (discard) on loopback: nothing listens there in the test environment.
        // AsyncHTTPClient retries a refused connection until its connect timeout (1 s); with the
        // whole suite running that takes about 6 s. The client timeout leaves room for it, so that
        // the error checked is the refusal, not the client's own deadline.
        let client = TelegramClient(token: "1:abcdefghijklmnopqrstuvwxyz", baseURL: "http://127.0.0.1:9", httpClient: http, timeout: .seconds(30), logger: Logger(label: "test"))
        let error = await #expect(throws: TelegramError.self) { try await client.getMe() }
        try await http.shutdown()
        guard case .transport(let detail) = error else { Issue.record("expected transport, got \(String(describing: error))"); return }
        #expect(!detail.contains("abcdefghijklmnopqrstuvwxyz"))
        #expect(error?.isRetryable == true)
    }

    private static func kind(of error: TelegramError) -> String {
        switch error {
        case .tooManyRequests: return "tooManyRequests"
        case .conflict: return "conflict"
        case .unauthorized: return "unauthorized"
        case .badRequest: return "badRequest"
        case .serverError: return "serverError"
        case .timeout: return "timeout"
        case .transport: return "transport"
        case .malformedResponse: return "malformedResponse"
        }
    }
}

@Suite struct TelegramErrorTests {
    @Test("error codes map to kinds; other 4xx keep their code", arguments: [
        (429, "tooManyRequests", 429), (409, "conflict", 409), (401, "unauthorized", 401), (400, "badRequest", 400),
        (403, "badRequest", 403), (404, "badRequest", 404), (500, "serverError", 500), (504, "serverError", 504),
    ])
    func mapping(code: Int, kind: String, reported: Int) {
        let error = TelegramError.from(errorCode: code, description: "Something", retryAfterSeconds: nil)
        #expect("\(error)".contains("Something") || error == .unauthorized)
        #expect(error.errorCode == reported)
        switch (error, kind) {
        case (.tooManyRequests(let retryAfter, _), "tooManyRequests"): #expect(retryAfter == .seconds(1))
        case (.conflict, "conflict"), (.unauthorized, "unauthorized"), (.badRequest, "badRequest"), (.serverError, "serverError"): break
        default: Issue.record("\(code) gave \(error)")
        }
    }
}
