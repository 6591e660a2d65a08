import Foundation
import Hummingbird
import NIOCore
import HTTPTypes
import MetroSupport

/// Building answers and reading requests the way every route of the fake needs them.
enum HTTPMessages {
    /// Largest request body accepted (Google's own limit for these calls is far larger; a fake
    /// needs no more).
    static let maximumBodySize = 10 * 1024 * 1024

    /// The `Content-Type` of every JSON answer, as Google sends it.
    static let jsonContentType = "application/json; charset=UTF-8"

    /// The encoder of every JSON answer: keys sorted, `/` not escaped. One shared instance
    /// (`JSONEncoder` is thread-safe), so answers do not pay for creating and configuring one.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// `value` as a JSON answer body.
    static func encode(_ value: some Encodable) -> Data {
        // The answers are plain structs, strings and numbers; only a non-finite number (which
        // JSON cannot carry) fails to encode, and is answered as `null`, as before.
        (try? encoder.encode(value)) ?? Data("null".utf8)
    }

    static func json(_ status: Int, _ body: JSONValue, headers: [(String, String)] = []) -> Response {
        raw(status, encode(body), contentType: jsonContentType, headers: headers)
    }

    static func raw(_ status: Int, _ body: Data, contentType: String, headers: [(String, String)] = []) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = contentType
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func google(_ error: GoogleError) -> Response {
        json(error.code, error.body, headers: error.headers + [("Vary", "Origin, X-Origin, Referer")])
    }

    static func oauth(_ error: OAuthError) -> Response {
        json(error.status, error.body, headers: [("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate"), ("Pragma", "no-cache")])
    }

    static func control(_ error: ControlError) -> Response {
        json(error.status, .object(["error": .string(error.description)]))
    }

    static func body(_ request: Request) async throws -> Data {
        let buffer = try await request.body.collect(upTo: maximumBodySize)
        return Data(buffer.readableBytesView)
    }

    /// The query string as ordered, percent-decoded pairs (`+` is a space).
    static func query(_ request: Request) -> [(String, String)] {
        guard let query = request.uri.query, !query.isEmpty else { return [] }
        return form(query)
    }

    /// `application/x-www-form-urlencoded` pairs.
    static func form(_ text: String) -> [(String, String)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) -> String in
                // Most names and values (`valueInputOption=USER_ENTERED`) need no decoding.
                guard s.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(s) }
                return String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            guard let key = parts.first else { return nil }
            return (decode(key), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}
