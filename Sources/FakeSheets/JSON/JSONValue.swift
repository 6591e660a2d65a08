import Foundation
import MetroSupport

/// A JSON document as the fake reads and writes it: request bodies are decoded into this so that
/// every wrong type can be answered with a precise, Google-shaped error instead of a decoding
/// failure, and responses are built from it so that numbers, booleans and strings keep their kind.
enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `data`; `nil` when it is not JSON, or nested deeper than
    /// `JSONNestingGuard.maximumDepth` (which never reaches Foundation's parser). (Foundation's
    /// `JSONSerialization`: on a request body it costs about half of `JSONDecoder` into typed
    /// structs, provided the conversion below is done in the right order.)
    static func parse(_ data: Data) -> JSONValue? {
        guard !JSONNestingGuard.isTooDeep(data) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        return JSONValue(foundation: object)
    }

    /// Converts what `JSONSerialization` produced (Swift strings, arrays and dictionaries;
    /// `NSNumber`, whose booleans have ObjC type `c`; `NSNull`).
    ///
    /// The Swift value types are tried first: casting one of them to a class (`as NSNumber`,
    /// `is NSNull`) bridges it to a new Foundation object just to compare classes (an `NSString`
    /// per string, an `NSArray` of every element per array), which made this conversion several
    /// times slower than the parse itself.
    init?(foundation object: Any) {
        switch object {
        case let s as String: self = .string(s)
        case let a as [Any]:
            var values: [JSONValue] = []
            values.reserveCapacity(a.count)
            for element in a {
                guard let value = JSONValue(foundation: element) else { return nil }
                values.append(value)
            }
            self = .array(values)
        case let o as [String: Any]:
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(o.count)
            for (key, element) in o {
                guard let value = JSONValue(foundation: element) else { return nil }
                members[key] = value
            }
            self = .object(members)
        case let n as NSNumber:
            let type = String(cString: n.objCType)
            if type == "c" || type == "B" {
                self = .bool(n.boolValue)
            } else if type == "d" || type == "f" {
                self = .number(n.doubleValue)
            } else {
                self = .int(n.intValue)
            }
        case is NSNull: self = .null
        default:
            return nil
        }
    }

    /// The value as `JSONSerialization` takes it.
    var foundation: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let b): return NSNumber(value: b)
        case .int(let i): return NSNumber(value: i)
        case .number(let d): return NSNumber(value: d)
        case .string(let s): return s
        case .array(let a): return a.map(\.foundation)
        case .object(let o): return o.mapValues(\.foundation)
        }
    }

    /// The document as UTF-8 JSON with sorted keys (`JSONEncoder`: on the answer path it is
    /// several times faster than `JSONSerialization`, which bridges every value to an NSObject).
    func serialized(pretty: Bool = false) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .number(let d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
        default: return nil
        }
    }

    var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// How the value appears in Google's error messages (`"abc"`, `12`, `true`, `[...]`).
    var excerpt: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .number(let d): return String(d)
        case .string(let s): return "\"\(s)\""
        case .array: return "[...]"
        case .object: return "{...}"
        }
    }
}

extension JSONValue: Codable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int.self) {
            self = .int(i)
        } else if let d = try? container.decode(Double.self) {
            self = .number(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .int(let i): try container.encode(i)
        case .number(let d): try container.encode(d)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}
