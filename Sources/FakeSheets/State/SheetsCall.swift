import Foundation
import MetroSupport

/// One request the fake Sheets received, as its journal (`calls(operation:)`,
/// `GET /control/calls`) records it: the shared ``RecordedCall`` with the operation, the HTTP
/// method, the path, and the spreadsheet and range it addressed (`call.operation`, `call.range`).
public typealias SheetsCall = RecordedCall<SheetsCallDetails>

/// What the fake Sheets records of a request.
public struct SheetsCallDetails: CallDetails {
    /// `token`, `get`, `append`, `update`, `batchGet`, `batchUpdate`, …, or `unknown`.
    public var operation: String
    /// The HTTP method.
    public var method: String
    /// The request path as received (percent-encoding kept).
    public var path: String
    /// The spreadsheet addressed, when the path names one.
    public var spreadsheetID: String?
    /// The A1 range addressed (decoded), when the path names one.
    public var range: String?

    /// Creates the details.
    public init(operation: String, method: String, path: String, spreadsheetID: String?, range: String?) {
        self.operation = operation
        self.method = method
        self.path = path
        self.spreadsheetID = spreadsheetID
        self.range = range
    }

    /// The operation.
    public var name: String { operation }

    public var jsonMembers: [String: JSONValue] {
        [
            "operation": .string(operation), "method": .string(method), "path": .string(path),
            "spreadsheetId": spreadsheetID.map { .string($0) } ?? .null, "range": range.map { .string($0) } ?? .null,
        ]
    }
}
