import MetroSupport

/// An error answer of the Sheets API in Google's envelope (AIP-193):
/// `{"error": {"code": 400, "message": "…", "status": "INVALID_ARGUMENT", "details": [...]}}`.
struct GoogleError: Error, Sendable {
    var code: Int
    var message: String
    var status: String
    var details: [JSONValue] = []
    var headers: [(String, String)] = []

    var body: JSONValue {
        var error: [String: JSONValue] = [
            "code": .integer(code), "message": .string(message), "status": .string(status),
        ]
        if !details.isEmpty { error["details"] = .array(details) }
        return .object(["error": .object(error)])
    }

    /// The canonical `google.rpc.Code` name Google pairs with an HTTP status.
    static func statusName(for code: Int) -> String {
        switch code {
        case 400: return "INVALID_ARGUMENT"
        case 401: return "UNAUTHENTICATED"
        case 403: return "PERMISSION_DENIED"
        case 404: return "NOT_FOUND"
        case 409: return "ABORTED"
        case 412: return "FAILED_PRECONDITION"
        case 429: return "RESOURCE_EXHAUSTED"
        case 499: return "CANCELLED"
        case 501: return "UNIMPLEMENTED"
        case 502, 503: return "UNAVAILABLE"
        case 504: return "DEADLINE_EXCEEDED"
        default: return code >= 500 ? "INTERNAL" : "UNKNOWN"
        }
    }

    /// Google's usual message for a bare status (used when a fault rule gives only `status`).
    static func standard(code: Int) -> GoogleError {
        let message: String
        switch code {
        case 400: message = "Request contains an invalid argument."
        case 401: message = unauthenticatedMessage
        case 403: message = "The caller does not have permission"
        case 404: message = "Requested entity was not found."
        case 409: message = "The operation was aborted."
        case 429: message = "Resource has been exhausted (e.g. check quota)."
        case 500: message = "Internal error encountered."
        case 502: message = "Bad Gateway"
        case 503: message = "The service is currently unavailable."
        case 504: message = "The request timed out. Please try again."
        default: message = "HTTP \(code)"
        }
        return GoogleError(code: code, message: message, status: statusName(for: code))
    }

    static let unauthenticatedMessage = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."

    static func invalidArgument(_ message: String, field: String? = nil) -> GoogleError {
        var error = GoogleError(code: 400, message: message, status: "INVALID_ARGUMENT")
        if let field {
            error.details = [.object([
                "@type": .string("type.googleapis.com/google.rpc.BadRequest"),
                "fieldViolations": .array([.object(["field": .string(field), "description": .string(message)])]),
            ])]
        }
        return error
    }

    static func unableToParseRange(_ text: String) -> GoogleError {
        invalidArgument("Unable to parse range: \(text)")
    }

    /// 400 for a range that reaches past a sheet's rows or columns, as Google words it:
    /// "Range ('My Sheet'!A1001) exceeds grid limits. Max rows: 1000, max columns: 26".
    static func exceedsGridLimits(_ grid: SheetGrid, rows: Range<Int>, columns: Range<Int>) -> GoogleError {
        invalidArgument("Range (\(grid.a1Range(rows: rows, columns: columns))) exceeds grid limits. Max rows: \(grid.rowCount), max columns: \(grid.columnCount)")
    }

    static let notFound = GoogleError(code: 404, message: "Requested entity was not found.", status: "NOT_FOUND")

    static func errorInfo(reason: String, metadata: [String: String]) -> JSONValue {
        .object([
            "@type": .string("type.googleapis.com/google.rpc.ErrorInfo"),
            "reason": .string(reason),
            "domain": .string("googleapis.com"),
            "metadata": .object(metadata.mapValues { .string($0) }),
        ])
    }

    /// 401 for a bearer token that is unknown or expired.
    static func unauthenticated(expired: Bool, method: String) -> GoogleError {
        GoogleError(
            code: 401, message: unauthenticatedMessage, status: "UNAUTHENTICATED",
            details: [errorInfo(reason: expired ? "ACCESS_TOKEN_EXPIRED" : "ACCESS_TOKEN_TYPE_UNSUPPORTED",
                                metadata: ["service": "sheets.googleapis.com", "method": method])],
            headers: [("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"")]
        )
    }

    /// 403 for a request that carries no credentials at all.
    static let missingCredentials = GoogleError(
        code: 403, message: "The request is missing a valid API key.", status: "PERMISSION_DENIED"
    )

    /// 403 for a token whose scopes do not cover the operation.
    static func insufficientScopes(method: String) -> GoogleError {
        GoogleError(
            code: 403, message: "Request had insufficient authentication scopes.", status: "PERMISSION_DENIED",
            details: [errorInfo(reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                                metadata: ["service": "sheets.googleapis.com", "method": method])],
            headers: [("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\"")]
        )
    }

    /// 403 for a spreadsheet that is not shared with the calling service account.
    static let notShared = GoogleError(code: 403, message: "The caller does not have permission", status: "PERMISSION_DENIED")
}
