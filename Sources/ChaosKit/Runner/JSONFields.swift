import Foundation

/// Reads dotted paths (`outbox.queued`) out of parsed JSON as text, so that matchers compare
/// `true`, `0`, `ok` the way they are written in scenarios.
enum JSONFields {
    static func value(_ object: Any?, path: String) -> String? {
        var current = object
        for key in path.split(separator: ".") {
            guard let dictionary = current as? [String: Any] else { return nil }
            current = dictionary[String(key)]
        }
        return current.map(text)
    }

    static func text(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case let number as NSNumber:
            let type = String(cString: number.objCType)
            if type == "c" || type == "B" { return number.boolValue ? "true" : "false" }
            if number.doubleValue == number.doubleValue.rounded(), abs(number.doubleValue) < 1e15 { return String(number.int64Value) }
            return number.stringValue
        case let string as String: return string
        case let bool as Bool: return bool ? "true" : "false"
        default:
            if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
                return String(decoding: data, as: UTF8.self)
            }
            return "\(value)"
        }
    }
}
