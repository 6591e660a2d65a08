import Foundation
import MetroSupport

/// The parameters of one Bot API call, read as the real server reads them: every field as a
/// string, nested values (a JSON body's objects and arrays, `reply_markup` in a form) as JSON to be
/// parsed by the method that needs them.
struct MethodParameters: Sendable {
    /// Each parameter as received: query and form fields as strings, a JSON body's members as
    /// parsed (nested objects stay parsed, so nothing is encoded back to text unless asked for).
    let values: [String: JSONValue]

    init(values: [String: JSONValue]) {
        self.values = values
    }

    /// The parameters as received, for the call journal.
    var original: JSONValue { .object(values) }

    /// Builds the parameters of a request from its query string and body.
    /// - Throws: `BotAPIError` 400 when the body cannot be parsed as its content type says.
    static func parse(query: [(String, String)], contentType: String?, body: Data) throws(BotAPIError) -> MethodParameters {
        var values: [String: JSONValue] = [:]
        for (key, value) in query { values[key] = .string(value) }
        let mediaType = contentType?.split(separator: ";").first?.trimmingWhitespaces().lowercased() ?? ""
        let hasBody = !body.isEmpty
        switch mediaType {
        case _ where !hasBody:
            break
        case "application/json":
            guard case .object(var members) = JSONValue.parse(body) else {
                throw .badRequest("can't parse JSON object")
            }
            // A `null` member counts as absent, as the real server reads it.
            if members.values.contains(where: { if case .null = $0 { true } else { false } }) {
                members = members.filter { if case .null = $0.value { false } else { true } }
            }
            if values.isEmpty {
                values = members
            } else {
                values.merge(members) { _, member in member }
            }
        case "application/x-www-form-urlencoded", "":
            let text = String(decoding: body, as: UTF8.self)
            for (key, value) in FormURLEncoding.decode(text) { values[key] = .string(value) }
        case "multipart/form-data":
            guard let boundary = MultipartFormData.boundary(in: contentType ?? "") else {
                throw .badRequest("can't find boundary in multipart/form-data request")
            }
            guard let parts = MultipartFormData.parse(body, boundary: boundary) else {
                throw .badRequest("can't parse multipart/form-data request")
            }
            for part in parts { values[part.name] = .string(part.value) }
        default:
            throw .badRequest("unsupported Content-Type \(mediaType)")
        }
        return MethodParameters(values: values)
    }

    /// A field's text as the real server sees it: `nil` for JSON `null`, numbers and Booleans
    /// spelled out, nested arrays and objects as compact JSON.
    static func fieldText(_ value: JSONValue) -> String? {
        switch value {
        case .null: return nil
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .array, .object: return value.jsonText
        }
    }

    /// The field's text (see `fieldText`), `nil` when absent or `null`.
    subscript(name: String) -> String? { values[name].flatMap(Self.fieldText) }

    /// A non-empty string field.
    func string(_ name: String) -> String? {
        guard let value = self[name], !value.isEmpty else { return nil }
        return value
    }

    /// An integer field; a present but non-numeric value is an error with Telegram's wording.
    func integer(_ name: String) throws(BotAPIError) -> Int64? {
        // A JSON number needs no round trip through text.
        if case .int(let value) = values[name] { return value }
        guard let raw = self[name]?.trimmingWhitespaces(), !raw.isEmpty else { return nil }
        if let value = Int64(raw) { return value }
        if let value = Double(raw), value.rounded() == value, abs(value) < 9e15 { return Int64(value) }
        throw .badRequest("field \"\(name)\" must be an Integer")
    }

    /// An integer clamped into `range` like the real server's `get_integer_arg`.
    func clampedInteger(_ name: String, default defaultValue: Int64, _ range: ClosedRange<Int64>) -> Int64 {
        if case .int(let value) = values[name] { return min(max(value, range.lowerBound), range.upperBound) }
        guard let raw = self[name]?.trimmingWhitespaces(), !raw.isEmpty else { return defaultValue }
        guard let value = Int64(raw) ?? Double(raw).flatMap({ $0.isFinite ? Int64(exactly: $0.rounded(.towardZero)) : nil }) else {
            return defaultValue
        }
        return min(max(value, range.lowerBound), range.upperBound)
    }

    /// A Boolean field: `true`/`1` are true, as the real server reads them.
    func bool(_ name: String) -> Bool {
        if case .bool(let flag) = values[name] { return flag }
        guard let raw = self[name]?.lowercased() else { return false }
        return raw == "true" || raw == "1"
    }

    /// A field holding JSON (an object or array), parsed; `nil` when absent or empty.
    func json(_ name: String) -> JSONValue?? {
        // A JSON body's nested value is already parsed.
        switch values[name] {
        case .some(.object), .some(.array): return .some(values[name])
        default: break
        }
        guard let raw = self[name], !raw.isEmpty else { return .some(nil) }
        guard let value = JSONValue.parse(raw) else { return nil }
        return .some(value)
    }
}

/// `application/x-www-form-urlencoded` decoding (also used for query strings).
enum FormURLEncoding {
    static func decode(_ text: String) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = unescape(parts[0])
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            return (key, value)
        }
    }

    static func unescape(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
