import MetroSupport

/// A bot registered with the fake, as BotFather would create it.
public struct RegisteredBot: Sendable, Hashable, Codable {
    /// The bot's user id, also the part of the token before the colon.
    public let id: Int64
    /// The token, `"<id>:<35 URL-safe characters>"`; the only credential the fake accepts for this bot.
    public let token: String
    /// The bot's username, without `@`.
    public let username: String
    /// The bot's first name, as `getMe` reports it.
    public let firstName: String

    enum CodingKeys: String, CodingKey {
        case id, token, username
        case firstName = "first_name"
    }
}
