import Foundation
import MetroSupport

/// A finished Bot API call, not yet encoded. The state actor produces it; the HTTP layer encodes
/// it (`body`) outside the actor, so that encoding answers runs in parallel with other calls.
enum BotAPIAnswer: Sendable {
    /// `{"ok":true,"result":…}`, with `"description"` only when given (setWebhook, deleteWebhook).
    case success(JSONValue, description: String? = nil)
    /// `{"ok":false,"error_code":N,"description":"…"}`, with `"parameters":{"retry_after":N}` only
    /// when the error has a retry delay.
    case failure(BotAPIError)

    /// The HTTP status: 200, or the error's code.
    var status: Int {
        switch self {
        case .success: return 200
        case .failure(let error): return error.code
        }
    }

    /// The HTTP status and the envelope as compact JSON. Typed envelopes leave absent optional
    /// members out (never `null`), as the real server does. A result that cannot be encoded (a
    /// non-finite number injected through the Swift API) answers 500 instead.
    func encoded() -> (status: Int, body: Data) {
        do {
            switch self {
            case .success(let result, let description):
                return (200, try Self.encoder.encode(Success(result: result, description: description)))
            case .failure(let error):
                return (error.code, Self.encode(error))
            }
        } catch {
            let failure = BotAPIError(code: 500, description: "Internal Server Error: the answer is not representable as JSON")
            return (500, Self.encode(failure))
        }
    }

    /// The envelope as compact JSON (`encoded().body`).
    var body: Data { encoded().body }

    private static func encode(_ error: BotAPIError) -> Data {
        let failure = Failure(
            errorCode: error.code, description: error.description,
            parameters: error.retryAfter.map { Failure.Parameters(retryAfter: $0) })
        // Integers and strings only: this cannot fail.
        return (try? encoder.encode(failure)) ?? Data(#"{"ok":false,"error_code":500,"description":"Internal Server Error"}"#.utf8)
    }

    /// One encoder for every answer; `JSONEncoder` is safe to share across concurrent calls.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    private struct Success: Encodable {
        let ok = true
        let result: JSONValue
        let description: String?
    }

    private struct Failure: Encodable {
        struct Parameters: Encodable {
            let retryAfter: Int
            enum CodingKeys: String, CodingKey { case retryAfter = "retry_after" }
        }
        let ok = false
        let errorCode: Int
        let description: String
        let parameters: Parameters?
        enum CodingKeys: String, CodingKey { case ok, errorCode = "error_code", description, parameters }
    }
}
