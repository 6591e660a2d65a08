import Foundation

/// The fake Telegram's control API (DESIGN.md "Fake Telegram"), typed.
public struct TelegramControl: Sendable {
    /// The underlying client, pointed at the fake's base URL.
    public let client: ControlClient

    /// Creates the wrapper.
    public init(client: ControlClient) {
        self.client = client
    }

    /// A text message from `user` in their private chat; returns the update id.
    public func sendText(user: ScenarioUser, text: String) async throws -> Int64 {
        var body: [String: Any] = ["text": text, "first_name": user.firstName]
        if let username = user.username { body["username"] = username }
        return try updateID(await client.call("POST", "/control/users/\(user.id)/messages", json: body))
    }

    /// A location message; returns the update id.
    public func sendLocation(user: ScenarioUser, latitude: Double, longitude: Double) async throws -> Int64 {
        try updateID(await client.call("POST", "/control/users/\(user.id)/locations", json: ["latitude": latitude, "longitude": longitude]))
    }

    /// A callback query; returns the update id.
    public func sendCallback(user: ScenarioUser, data: String, messageID: Int64?) async throws -> Int64 {
        var body: [String: Any] = ["data": data]
        if let messageID { body["message_id"] = messageID }
        return try updateID(await client.call("POST", "/control/users/\(user.id)/callbacks", json: body))
    }

    /// A text message from `user` as a raw update, bypassing the user-message route's 4096-character
    /// limit (Telegram's own) so that a scenario can send bodies of any size; returns the update id.
    public func sendLongText(user: ScenarioUser, text: String) async throws -> Int64 {
        let person: [String: Any] = ["id": user.id, "is_bot": false, "first_name": user.firstName]
        let message: [String: Any] = [
            "message_id": 1, "date": Int(Date().timeIntervalSince1970), "text": text, "from": person,
            "chat": ["id": user.id, "type": "private", "first_name": user.firstName],
        ]
        return try updateID(await client.call("POST", "/control/updates", json: ["message": message]))
    }

    /// Any update (JSON without `update_id`); returns the update id.
    public func sendRaw(json: String) async throws -> Int64 {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        return try updateID(await client.call("POST", "/control/updates", json: object))
    }

    private func updateID(_ json: Any?) throws -> Int64 {
        guard let object = json as? [String: Any], let id = (object["update_id"] as? NSNumber)?.int64Value else {
            throw ControlClient.Failure(description: "the fake Telegram did not answer an update_id: \(String(describing: json))")
        }
        return id
    }

    /// The messages the bot sent to `chat`, in order, as Bot API `Message` objects.
    public func messages(chat: Int64) async throws -> [[String: Any]] {
        try await client.call("GET", "/control/chats/\(chat)/messages") as? [[String: Any]] ?? []
    }

    /// The texts of ``messages(chat:)``.
    public func texts(chat: Int64) async throws -> [String] {
        try await messages(chat: chat).compactMap { $0["text"] as? String }
    }

    /// The call journal, optionally of one method.
    public func calls(method: String? = nil) async throws -> [JournaledCall] {
        let query = method.map { "?method=\($0)" } ?? ""
        return JournaledCall.parse(try await client.call("GET", "/control/calls\(query)"))
    }

    /// An update's state (`queued`, `delivered`, `confirmed`) and delivery attempts.
    public func updateState(_ id: Int64) async throws -> (state: String, attempts: Int) {
        let object = try await client.call("GET", "/control/updates/\(id)") as? [String: Any] ?? [:]
        return (object["state"] as? String ?? "unknown", (object["attempts"] as? NSNumber)?.intValue ?? 0)
    }

    /// Installs a fault rule; returns its id.
    public func addFault(_ rule: [String: Any]) async throws -> String? {
        let object = try await client.call("POST", "/control/faults", json: rule) as? [String: Any]
        return (object?["id"]).map { "\($0)" }
    }

    /// Removes every fault rule.
    public func clearFaults() async throws {
        _ = try await client.call("DELETE", "/control/faults")
    }

    /// Starts (`true`) or ends a webhook outage.
    public func setWebhookOutage(_ down: Bool) async throws {
        _ = try await client.call("POST", "/control/webhook/outage", json: ["down": down])
    }
}
