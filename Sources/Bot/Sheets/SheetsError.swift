import Foundation
import NIOCore

/// Which call to Google failed.
public enum SheetsOperation: String, Sendable, Equatable {
    /// The OAuth token exchange at the key's `token_uri`.
    case token
    /// `values.append`: the only call that writes.
    case append
    /// `values.get`: reading the row-key column.
    case read
}

/// Why a Sheets (or OAuth token) call failed, decoded from Google's error envelope
/// `{"error":{"code","message","status"}}` or the OAuth error `{"error","error_description"}`.
///
/// `mayHaveBeenApplied` is the exactly-once signal: when true the rows of a failed append may be
/// in the sheet, so the caller must check `existingRowKeys(among:)` before appending them again.
/// Descriptions never contain tokens or keys.
public enum SheetsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The token endpoint refused the service account's assertion (`invalid_grant`: wrong key,
    /// deleted account, clock skew; `invalid_client`, …).
    case tokenRejected(status: Int, error: String, description: String)
    /// 401 UNAUTHENTICATED even with a freshly issued token.
    case unauthenticated(String)
    /// 403 PERMISSION_DENIED: the spreadsheet is not shared with the service account.
    case permissionDenied(String)
    /// 404 NOT_FOUND: no spreadsheet with that id.
    case notFound(String)
    /// 400 INVALID_ARGUMENT (a missing sheet: "Unable to parse range") and other 4xx.
    case rejected(operation: SheetsOperation, status: Int, googleStatus: String, message: String)
    /// 429 RESOURCE_EXHAUSTED, still after the client's internal retries. Nothing was written.
    case rateLimited(operation: SheetsOperation, message: String)
    /// A 5xx answer. 503 UNAVAILABLE means nothing was done; others may hide a completed write.
    case serverError(operation: SheetsOperation, status: Int, googleStatus: String, message: String)
    /// No complete answer within the deadline.
    case timeout(operation: SheetsOperation)
    /// The connection failed; `requestSent` is false only when no connection was ever made.
    case transport(operation: SheetsOperation, requestSent: Bool, description: String)
    /// A 2xx answer that is not what the API documents.
    case malformedResponse(operation: SheetsOperation, description: String)

    /// The call that failed; nil for the answers about credentials and access that any call may get.
    public var operation: SheetsOperation? {
        switch self {
        case .tokenRejected: return .token
        case .unauthenticated, .permissionDenied, .notFound: return nil
        case .rejected(let operation, _, _, _), .rateLimited(let operation, _), .serverError(let operation, _, _, _),
             .timeout(let operation), .transport(let operation, _, _), .malformedResponse(let operation, _):
            return operation
        }
    }

    /// True when the same call may succeed later: 429, 5xx, timeouts, transport failures and
    /// malformed answers. Rejected credentials, permissions, missing spreadsheets and bad requests
    /// need an operator.
    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .serverError, .timeout, .transport, .malformedResponse:
            return true
        case .tokenRejected, .unauthenticated, .permissionDenied, .notFound, .rejected:
            return false
        }
    }

    /// True when a failed append may nevertheless have written its rows: a timeout, a connection
    /// lost after the request was sent, a 5xx other than 503, or an unreadable success answer.
    /// Always false for reads, token calls, 4xx answers (429 included) and 503.
    public var mayHaveBeenApplied: Bool {
        guard operation == .append else { return false }
        switch self {
        case .timeout, .malformedResponse:
            return true
        case .transport(_, let requestSent, _):
            return requestSent
        case .serverError(_, let status, _, _):
            return status != 503
        case .tokenRejected, .unauthenticated, .permissionDenied, .notFound, .rejected, .rateLimited:
            return false
        }
    }

    /// The `code` label of `bot_sheets_errors_total`: the HTTP status, or `timeout`, `transport`,
    /// `malformed` or `signing` when Google gave none.
    var metricsCode: String {
        switch self {
        case .tokenRejected(let status, _, _): return status == 0 ? "signing" : String(status)
        case .unauthenticated: return "401"
        case .permissionDenied: return "403"
        case .notFound: return "404"
        case .rejected(_, let status, _, _), .serverError(_, let status, _, _): return String(status)
        case .rateLimited: return "429"
        case .timeout: return "timeout"
        case .transport: return "transport"
        case .malformedResponse: return "malformed"
        }
    }

    /// A one-line explanation for logs and operators; never contains a secret.
    public var description: String {
        switch self {
        case .tokenRejected(let status, let error, let description):
            return "Google refused the service account's token request (\(status) \(error)): \(description); check GOOGLE_APPLICATION_CREDENTIALS (a current key of an existing service account) and the system clock"
        case .unauthenticated(let message):
            return "Sheets rejected a freshly issued access token (401 UNAUTHENTICATED): \(message)"
        case .permissionDenied(let message):
            return "Sheets denied access (403 PERMISSION_DENIED): \(message); share the spreadsheet with the service account's client_email as an editor"
        case .notFound(let message):
            return "Sheets found no such spreadsheet (404 NOT_FOUND): \(message); check SPREADSHEET_ID"
        case .rejected(let operation, let status, let googleStatus, let message):
            return "Sheets rejected the \(operation.rawValue) request (\(status) \(googleStatus)): \(message)"
        case .rateLimited(let operation, let message):
            return "Sheets rate limit on \(operation.rawValue) (429 RESOURCE_EXHAUSTED): \(message)"
        case .serverError(let operation, let status, let googleStatus, let message):
            return "Sheets server error on \(operation.rawValue) (\(status) \(googleStatus)): \(message)"
        case .timeout(let operation):
            return "Sheets did not answer the \(operation.rawValue) request within the deadline"
        case .transport(let operation, let requestSent, let description):
            return "connection to Google failed during \(operation.rawValue) (\(requestSent ? "request may have been sent" : "nothing sent")): \(description)"
        case .malformedResponse(let operation, let description):
            return "unexpected answer from Google to \(operation.rawValue): \(description)"
        }
    }
}

/// Google's API error envelope: `{"error":{"code":403,"message":"…","status":"PERMISSION_DENIED"}}`.
struct GoogleErrorEnvelope: Decodable {
    struct Body: Decodable {
        var code: Int?
        var message: String?
        var status: String?
    }

    var error: Body
}

/// The OAuth 2.0 error answer: `{"error":"invalid_grant","error_description":"…"}`.
struct OAuthErrorEnvelope: Decodable {
    var error: String
    var errorDescription: String?

    enum CodingKeys: String, CodingKey {
        case error, errorDescription = "error_description"
    }
}

extension SheetsError {
    /// The error for a non-2xx API answer (not 401, which the client handles by refreshing).
    static func fromAPI(operation: SheetsOperation, response: HTTPExchangeResponse) -> SheetsError {
        let data = Data(response.body.readableBytesView)
        let envelope = try? JSONDecoder().decode(GoogleErrorEnvelope.self, from: data)
        let message = envelope?.error.message ?? "HTTP \(response.status) with a body that is not a Google error: \(response.bodySnippet())"
        let googleStatus = envelope?.error.status ?? defaultStatus(for: response.status)
        switch response.status {
        case 401:
            return .unauthenticated(message)
        case 403:
            return .permissionDenied(message)
        case 404:
            return .notFound(message)
        case 429:
            return .rateLimited(operation: operation, message: message)
        case 500...599:
            return .serverError(operation: operation, status: response.status, googleStatus: googleStatus, message: message)
        default:
            return .rejected(operation: operation, status: response.status, googleStatus: googleStatus, message: message)
        }
    }

    /// The error for a non-2xx answer of the token endpoint.
    static func fromTokenEndpoint(response: HTTPExchangeResponse) -> SheetsError {
        let data = Data(response.body.readableBytesView)
        if response.status == 429 || response.status >= 500 {
            let message = (try? JSONDecoder().decode(OAuthErrorEnvelope.self, from: data)).map { "\($0.error): \($0.errorDescription ?? "")" }
                ?? (try? JSONDecoder().decode(GoogleErrorEnvelope.self, from: data))?.error.message
                ?? "HTTP \(response.status): \(response.bodySnippet())"
            if response.status == 429 { return .rateLimited(operation: .token, message: message) }
            return .serverError(operation: .token, status: response.status, googleStatus: defaultStatus(for: response.status), message: message)
        }
        if let oauth = try? JSONDecoder().decode(OAuthErrorEnvelope.self, from: data) {
            return .tokenRejected(status: response.status, error: oauth.error, description: oauth.errorDescription ?? "no description")
        }
        if let google = try? JSONDecoder().decode(GoogleErrorEnvelope.self, from: data) {
            return .tokenRejected(status: response.status, error: google.error.status ?? "error", description: google.error.message ?? "no description")
        }
        return .tokenRejected(status: response.status, error: "unknown", description: "HTTP \(response.status) with a body that is not an OAuth error: \(response.bodySnippet())")
    }

    private static func defaultStatus(for code: Int) -> String {
        switch code {
        case 400: return "INVALID_ARGUMENT"
        case 401: return "UNAUTHENTICATED"
        case 403: return "PERMISSION_DENIED"
        case 404: return "NOT_FOUND"
        case 409: return "ABORTED"
        case 429: return "RESOURCE_EXHAUSTED"
        case 501: return "NOT_IMPLEMENTED"
        case 503: return "UNAVAILABLE"
        case 504: return "DEADLINE_EXCEEDED"
        case 500...599: return "INTERNAL"
        default: return "HTTP_\(code)"
        }
    }
}
