import Foundation

// The subset of the Telegram Bot API objects the bot reads. Field names follow the Bot API
// (https://core.telegram.org/bots/api#available-types); unknown fields are ignored, so an update
// of a kind the bot does not handle still decodes (with every optional kind `nil`).

/// An incoming update (https://core.telegram.org/bots/api#update).
public struct Update: Codable, Sendable, Equatable {
    public var updateID: Int64
    public var message: Message?
    public var editedMessage: Message?
    public var callbackQuery: CallbackQuery?

    public init(updateID: Int64, message: Message? = nil, editedMessage: Message? = nil, callbackQuery: CallbackQuery? = nil) {
        self.updateID = updateID
        self.message = message
        self.editedMessage = editedMessage
        self.callbackQuery = callbackQuery
    }

    enum CodingKeys: String, CodingKey {
        case updateID = "update_id"
        case message
        case editedMessage = "edited_message"
        case callbackQuery = "callback_query"
    }
}

/// A message (https://core.telegram.org/bots/api#message).
public struct Message: Codable, Sendable, Equatable {
    public var messageID: Int64
    /// Unix time, seconds.
    public var date: Int64
    public var chat: Chat
    public var from: User?
    public var text: String?
    public var entities: [MessageEntity]?
    public var location: Location?

    public init(messageID: Int64, date: Int64, chat: Chat, from: User? = nil, text: String? = nil,
                entities: [MessageEntity]? = nil, location: Location? = nil) {
        self.messageID = messageID
        self.date = date
        self.chat = chat
        self.from = from
        self.text = text
        self.entities = entities
        self.location = location
    }

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
        case date, chat, from, text, entities, location
    }
}

/// A chat (https://core.telegram.org/bots/api#chat).
public struct Chat: Codable, Sendable, Equatable {
    public var id: Int64
    /// `private`, `group`, `supergroup` or `channel`.
    public var type: String

    public init(id: Int64, type: String = "private") {
        self.id = id
        self.type = type
    }
}

/// A user or bot (https://core.telegram.org/bots/api#user).
public struct User: Codable, Sendable, Equatable {
    public var id: Int64
    public var isBot: Bool
    public var firstName: String
    public var lastName: String?
    public var username: String?

    public init(id: Int64, isBot: Bool = false, firstName: String, lastName: String? = nil, username: String? = nil) {
        self.id = id
        self.isBot = isBot
        self.firstName = firstName
        self.lastName = lastName
        self.username = username
    }

    /// First and last name joined by a space, as shown in Telegram.
    public var fullName: String {
        [firstName, lastName].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    enum CodingKeys: String, CodingKey {
        case id
        case isBot = "is_bot"
        case firstName = "first_name"
        case lastName = "last_name"
        case username
    }
}

/// A special entity in a message text (https://core.telegram.org/bots/api#messageentity).
public struct MessageEntity: Codable, Sendable, Equatable {
    /// `bot_command`, `mention`, `url`, …
    public var type: String
    /// Offset in UTF-16 code units.
    public var offset: Int
    /// Length in UTF-16 code units.
    public var length: Int

    public init(type: String, offset: Int, length: Int) {
        self.type = type
        self.offset = offset
        self.length = length
    }
}

/// A point on the map (https://core.telegram.org/bots/api#location).
public struct Location: Codable, Sendable, Equatable {
    public var latitude: Double
    public var longitude: Double
    public var horizontalAccuracy: Double?

    public init(latitude: Double, longitude: Double, horizontalAccuracy: Double? = nil) {
        self.latitude = latitude
        self.longitude = longitude
        self.horizontalAccuracy = horizontalAccuracy
    }

    enum CodingKeys: String, CodingKey {
        case latitude, longitude
        case horizontalAccuracy = "horizontal_accuracy"
    }
}

/// A press on an inline keyboard button (https://core.telegram.org/bots/api#callbackquery).
public struct CallbackQuery: Codable, Sendable, Equatable {
    public var id: String
    public var from: User
    public var message: Message?
    public var data: String?

    public init(id: String, from: User, message: Message? = nil, data: String? = nil) {
        self.id = id
        self.from = from
        self.message = message
        self.data = data
    }
}

/// The answer of `getWebhookInfo` (https://core.telegram.org/bots/api#webhookinfo).
public struct WebhookInfo: Codable, Sendable, Equatable {
    public var url: String
    public var hasCustomCertificate: Bool
    public var pendingUpdateCount: Int
    public var lastErrorDate: Int64?
    public var lastErrorMessage: String?
    public var maxConnections: Int?
    public var allowedUpdates: [String]?

    public init(url: String, hasCustomCertificate: Bool = false, pendingUpdateCount: Int = 0,
                lastErrorDate: Int64? = nil, lastErrorMessage: String? = nil,
                maxConnections: Int? = nil, allowedUpdates: [String]? = nil) {
        self.url = url
        self.hasCustomCertificate = hasCustomCertificate
        self.pendingUpdateCount = pendingUpdateCount
        self.lastErrorDate = lastErrorDate
        self.lastErrorMessage = lastErrorMessage
        self.maxConnections = maxConnections
        self.allowedUpdates = allowedUpdates
    }

    enum CodingKeys: String, CodingKey {
        case url
        case hasCustomCertificate = "has_custom_certificate"
        case pendingUpdateCount = "pending_update_count"
        case lastErrorDate = "last_error_date"
        case lastErrorMessage = "last_error_message"
        case maxConnections = "max_connections"
        case allowedUpdates = "allowed_updates"
    }
}
