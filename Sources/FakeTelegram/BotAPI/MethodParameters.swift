import Foundation

/// The parameters of one Bot API call, normalised as the real server does: every field is a
/// string, and nested values (a JSON body's objects and arrays, `reply_markup` in a form) are
/// JSON text to be parsed by the method that needs them.
struct MethodParameters: Sendable {
    private(set) var fields: [String: String]
    /// The parameters as received, for the call journal.
    let original: JSONValue

    init(fields: [String: String], original: JSONValue? = nil) {
        self.fields = fields
        self.original = original ?? .object(fields.mapValues { .string($0) })
    }

    /// Builds the parameters of a request from its query string and body.
    /// - Throws: `BotAPIError` 400 when the body cannot be parsed as its content type says.
    static func parse(query: [(String, String)], contentType: String?, body: Data) throws(BotAPIError) -> MethodParameters {
        var fields: [String: String] = [:]
        var original: [String: JSONValue] = [:]
        for (key, value) in query {
            fields[key] = value
            original[key] = .string(value)
        }
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let hasBody = !body.isEmpty
        switch mediaType {
        case _ where !hasBody:
            break
        case "application/json":
            guard let value = JSONValue.parse(body) else {
                throw .badRequest("can't parse JSON object")
            }
            guard case .object(let members) = value else {
                throw .badRequest("can't parse JSON object")
            }
            for (key, member) in members {
                guard let text = Self.fieldText(member) else { continue }
                fields[key] = text
                original[key] = member
            }
        case "application/x-www-form-urlencoded", "":
            let text = String(decoding: body, as: UTF8.self)
            for (key, value) in FormURLEncoding.decode(text) {
                fields[key] = value
                original[key] = .string(value)
            }
        case "multipart/form-data":
            guard let boundary = MultipartFormData.boundary(in: contentType ?? "") else {
                throw .badRequest("can't find boundary in multipart/form-data request")
            }
            guard let parts = MultipartFormData.parse(body, boundary: boundary) else {
                throw .badRequest("can't parse multipart/form-data request")
            }
            for part in parts {
                fields[part.name] = part.value
                original[part.name] = .string(part.value)
            }
        default:
            throw .badRequest("unsupported Content-Type \(mediaType)")
        }
        return MethodParameters(fields: fields, original: .object(original))
    }

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

    subscript(name: String) -> String? { fields[name] }

    /// A non-empty string field.
    func string(_ name: String) -> String? {
        guard let value = fields[name], !value.isEmpty else { return nil }
        return value
    }

    /// An integer field; a present but non-numeric value is an error with Telegram's wording.
    func integer(_ name: String) throws(BotAPIError) -> Int64? {
        guard let raw = fields[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        if let value = Int64(raw) { return value }
        if let value = Double(raw), value.rounded() == value, abs(value) < 9e15 { return Int64(value) }
        throw .badRequest("field \"\(name)\" must be an Integer")
    }

    /// An integer clamped into `range` like the real server's `get_integer_arg`.
    func clampedInteger(_ name: String, default defaultValue: Int64, _ range: ClosedRange<Int64>) -> Int64 {
        guard let raw = fields[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return defaultValue }
        guard let value = Int64(raw) ?? Double(raw).flatMap({ $0.isFinite ? Int64(exactly: $0.rounded(.towardZero)) : nil }) else {
            return defaultValue
        }
        return min(max(value, range.lowerBound), range.upperBound)
    }

    /// A Boolean field: `true`/`1` are true, as the real server reads them.
    func bool(_ name: String) -> Bool {
        guard let raw = fields[name]?.lowercased() else { return false }
        return raw == "true" || raw == "1"
    }

    /// A field holding JSON (an object or array), parsed; `nil` when absent or empty.
    func json(_ name: String) -> JSONValue?? {
        guard let raw = fields[name], !raw.isEmpty else { return .some(nil) }
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
