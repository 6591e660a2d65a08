// One-line descriptions of JSON decoding failures, for errors that tell an operator which field
// of an answer or a file was wrong (Foundation's own descriptions are long and nested).

extension DecodingError {
    /// "missing field `chat` at result.message", "wrong type at result[0].update_id: expected Int64", …
    var fieldSummary: String {
        switch self {
        case .keyNotFound(let key, let context):
            return "missing field `\(key.stringValue)`\(Self.location(context.codingPath))"
        case .typeMismatch(let type, let context):
            return "wrong type\(Self.location(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "null\(Self.location(context.codingPath)): expected \(type)"
        case .dataCorrupted(let context):
            return "invalid data\(Self.location(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "cannot be decoded"
        }
    }

    private static func location(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "" }
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return " at \(text)"
    }
}
