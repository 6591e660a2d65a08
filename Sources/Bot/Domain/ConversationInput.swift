import Foundation

/// What the user did, derived from an `Update`: the input of `Conversation.step`.
public struct ConversationInput: Sendable, Equatable {
    /// The kinds of input the conversation distinguishes.
    public enum Event: Sendable, Equatable {
        /// A command, typed (`/checkin`, `/checkin@MetroBot`) or from a keyboard button.
        case command(ChatCommand)
        /// A shared location (raw numbers; validated by the location service).
        case location(latitude: Double, longitude: Double)
        /// Text that is no command.
        case unknownText
        /// A message with neither text nor location (photo, sticker, …).
        case unsupportedMessage
        /// An edited message (including live-location updates): silence.
        case editedMessage
        /// Any other update (callback queries, unknown kinds): silence.
        case other
    }

    /// The update's `update_id`.
    public var updateID: Int64
    /// Who acted; `nil` for updates without a user.
    public var user: User?
    /// Where to answer; `nil` when there is no chat.
    public var chatID: Int64?
    /// When the message was sent (the message's `date`); `nil` without a message.
    public var sentAt: Date?
    /// What happened.
    public var event: Event
    /// The callback query's `id` when the update is a press on an inline button (its event is
    /// `.other`); it must be answered whatever the conversation does with it.
    public var callbackQueryID: String?

    /// Creates an input directly (tests, the conversation table).
    /// - Parameter callbackQueryID: Defaults to `nil` (no callback query).
    public init(updateID: Int64, user: User?, chatID: Int64?, sentAt: Date?, event: Event, callbackQueryID: String? = nil) {
        self.updateID = updateID
        self.user = user
        self.chatID = chatID
        self.sentAt = sentAt
        self.event = event
        self.callbackQueryID = callbackQueryID
    }

    /// Classifies `update`.
    public init(update: Update) {
        updateID = update.updateID
        callbackQueryID = update.callbackQuery?.id
        if let edited = update.editedMessage {
            user = edited.from
            chatID = edited.chat.id
            sentAt = Date(timeIntervalSince1970: TimeInterval(edited.date))
            event = .editedMessage
            return
        }
        guard let message = update.message else {
            user = update.callbackQuery?.from
            chatID = update.callbackQuery?.message?.chat.id
            sentAt = nil
            event = .other
            return
        }
        user = message.from
        chatID = message.chat.id
        sentAt = Date(timeIntervalSince1970: TimeInterval(message.date))
        if let location = message.location {
            event = .location(latitude: location.latitude, longitude: location.longitude)
        } else if let text = message.text {
            event = ChatCommand(text: text).map(Event.command) ?? .unknownText
        } else {
            event = .unsupportedMessage
        }
    }
}

/// The commands the bot understands.
public enum ChatCommand: String, Sendable, Equatable, CaseIterable {
    case start, checkin, checkout, status, cancel, help

    /// Recognizes `/name`, `/name@BotName` (with or without arguments) and the texts of the
    /// keyboard buttons (`Check in`, `Check out`, `Status`, `Cancel`, `Help`), case-insensitively.
    public init?(text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("/") {
            let word = trimmed.dropFirst().prefix { !$0.isWhitespace }
            let name = word.split(separator: "@", maxSplits: 1).first.map(String.init) ?? ""
            guard let command = ChatCommand(rawValue: name.lowercased()) else { return nil }
            self = command
            return
        }
        switch trimmed.lowercased() {
        case ButtonTitle.checkIn.lowercased(): self = .checkin
        case ButtonTitle.checkOut.lowercased(): self = .checkout
        case ButtonTitle.status.lowercased(): self = .status
        case ButtonTitle.cancel.lowercased(): self = .cancel
        case "help": self = .help
        default: return nil
        }
    }
}

/// The titles of the reply-keyboard buttons; pressing one sends its title as text.
public enum ButtonTitle {
    public static let checkIn = "Check in"
    public static let checkOut = "Check out"
    public static let status = "Status"
    public static let cancel = "Cancel"
    public static let shareLocation = "📍 Share location"
}
