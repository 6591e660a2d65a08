// Keyboards the bot attaches to its messages (https://core.telegram.org/bots/api#replykeyboardmarkup).

/// The `reply_markup` of an outgoing message.
public enum ReplyMarkup: Codable, Sendable, Equatable {
    /// A custom keyboard shown instead of the user's keyboard.
    case keyboard(ReplyKeyboard)
    /// Removes a custom keyboard.
    case removeKeyboard
    /// Buttons attached to the message itself.
    case inlineKeyboard([[InlineKeyboardButton]])

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .keyboard(let keyboard):
            try keyboard.encode(to: encoder)
        case .removeKeyboard:
            var container = encoder.container(keyedBy: DynamicKey.self)
            try container.encode(true, forKey: DynamicKey("remove_keyboard"))
        case .inlineKeyboard(let rows):
            var container = encoder.container(keyedBy: DynamicKey.self)
            try container.encode(rows, forKey: DynamicKey("inline_keyboard"))
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: DynamicKey.self)
        if let rows = try container.decodeIfPresent([[InlineKeyboardButton]].self, forKey: DynamicKey("inline_keyboard")) {
            self = .inlineKeyboard(rows)
        } else if try container.decodeIfPresent(Bool.self, forKey: DynamicKey("remove_keyboard")) == true {
            self = .removeKeyboard
        } else {
            self = .keyboard(try ReplyKeyboard(from: decoder))
        }
    }
}

/// A reply keyboard (https://core.telegram.org/bots/api#replykeyboardmarkup).
public struct ReplyKeyboard: Codable, Sendable, Equatable {
    public var keyboard: [[KeyboardButton]]
    public var resizeKeyboard: Bool?
    public var oneTimeKeyboard: Bool?

    public init(keyboard: [[KeyboardButton]], resizeKeyboard: Bool? = true, oneTimeKeyboard: Bool? = nil) {
        self.keyboard = keyboard
        self.resizeKeyboard = resizeKeyboard
        self.oneTimeKeyboard = oneTimeKeyboard
    }

    enum CodingKeys: String, CodingKey {
        case keyboard
        case resizeKeyboard = "resize_keyboard"
        case oneTimeKeyboard = "one_time_keyboard"
    }
}

/// A button of a reply keyboard (https://core.telegram.org/bots/api#keyboardbutton).
public struct KeyboardButton: Codable, Sendable, Equatable {
    public var text: String
    /// When true, pressing the button sends the user's current location.
    public var requestLocation: Bool?

    public init(text: String, requestLocation: Bool? = nil) {
        self.text = text
        self.requestLocation = requestLocation
    }

    enum CodingKeys: String, CodingKey {
        case text
        case requestLocation = "request_location"
    }
}

/// A button of an inline keyboard (https://core.telegram.org/bots/api#inlinekeyboardbutton).
public struct InlineKeyboardButton: Codable, Sendable, Equatable {
    public var text: String
    public var callbackData: String?

    public init(text: String, callbackData: String? = nil) {
        self.text = text
        self.callbackData = callbackData
    }

    enum CodingKeys: String, CodingKey {
        case text
        case callbackData = "callback_data"
    }
}

struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
