import FakeTelegram
import Foundation
import MetroSupport

/// What a scenario does to the in-process fake Telegram, through its typed Swift API.
public struct TelegramControl: Sendable {
    /// The fake.
    public let fake: FakeTelegram

    /// Creates the wrapper.
    public init(fake: FakeTelegram) {
        self.fake = fake
    }

    /// A text message from `user` in their private chat; returns the update id.
    public func sendText(user: ScenarioUser, text: String) async throws -> Int64 {
        try await fake.sendUserMessage(userID: user.id, text: text, firstName: user.firstName, username: user.username).updateID
    }

    /// A location message; returns the update id.
    public func sendLocation(user: ScenarioUser, latitude: Double, longitude: Double) async throws -> Int64 {
        try await fake.sendLocation(userID: user.id, latitude: latitude, longitude: longitude).updateID
    }

    /// A callback query; returns the update id.
    public func sendCallback(user: ScenarioUser, data: String, messageID: Int64?) async throws -> Int64 {
        try await fake.sendCallback(userID: user.id, data: data, messageID: messageID).updateID
    }

    /// A text message from `user` as a raw update, bypassing the user-message limit of 4096
    /// characters (Telegram's own) so that a scenario can send bodies of any size; returns the update id.
    public func sendLongText(user: ScenarioUser, text: String) async throws -> Int64 {
        let person: JSONValue = ["id": .int(user.id), "is_bot": false, "first_name": .string(user.firstName)]
        let message: JSONValue = [
            "message_id": 1, "date": .int(Int64(Date().timeIntervalSince1970)), "text": .string(text), "from": person,
            "chat": ["id": .int(user.id), "type": "private", "first_name": .string(user.firstName)],
        ]
        return try await fake.injectUpdate(["message": message]).updateID
    }

    /// Any update (JSON without `update_id`); returns the update id.
    public func sendRaw(json: String) async throws -> Int64 {
        try await fake.injectUpdate(json: json).updateID
    }

    /// The texts of the messages the bot sent to `chat`, in order.
    public func texts(chat: Int64) async throws -> [String] {
        try await fake.chatMessages(chatID: chat).compactMap { $0.json["text"]?.stringValue }
    }

    /// The call journal, optionally of one method.
    public func calls(method: String? = nil) async throws -> [JournaledCall] {
        try await fake.calls(method: method).map(JournaledCall.init)
    }

    /// An update's state (`queued`, `delivered`, `confirmed`) and delivery attempts.
    public func updateState(_ id: Int64) async throws -> (state: String, attempts: Int) {
        guard let status = try await fake.updateState(updateID: id) else { return ("unknown", 0) }
        return (status.state.rawValue, status.attempts)
    }

    /// Installs a fault rule; returns its id.
    public func addFault(_ fault: ScenarioFault) async throws -> String {
        try await fake.addFault(fault.telegramRule)
    }

    /// Removes every fault rule.
    public func clearFaults() async throws {
        try await fake.removeFaults()
    }

    /// Starts (`true`) or ends a webhook outage.
    public func setWebhookOutage(_ down: Bool) async throws {
        try await fake.setWebhookOutage(down)
    }
}
