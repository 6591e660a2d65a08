/// A command shown in the client's command menu (https://core.telegram.org/bots/api#botcommand),
/// set with `TelegramClient.setMyCommands(_:)`.
public struct BotCommand: Codable, Sendable, Equatable {
    /// The command without the leading slash: 1–32 characters, lowercase letters, digits and underscores.
    public var command: String
    /// What the command does: 1–256 characters.
    public var description: String

    public init(command: String, description: String) {
        self.command = command
        self.description = description
    }
}
