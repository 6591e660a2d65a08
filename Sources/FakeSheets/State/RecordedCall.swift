import Foundation

/// One request the fake received, as the journal (`calls()`, `GET /control/calls`) records it.
public struct RecordedCall: Sendable, Hashable, Codable {
    /// Position in the journal, from 1.
    public var id: Int
    /// `token`, `get`, `append`, `update`, `batchGet`, `batchUpdate`, or `unknown`.
    public var operation: String
    /// The HTTP method.
    public var method: String
    /// The request path as received (percent-encoding kept).
    public var path: String
    /// The spreadsheet addressed, when the path names one.
    public var spreadsheetID: String?
    /// The A1 range addressed (decoded), when the path names one.
    public var range: String?
    /// The HTTP status answered; `nil` while the request is still being handled or when the
    /// connection was dropped (`reset`, `close`, `timeout`).
    public var status: Int?
    /// The id of the fault rule that fired on this request, if any.
    public var faultID: String?
    /// When the request arrived.
    public var at: Date
    /// Whether the request is being held right now by a `delay` or `timeout` fault.
    public var held: Bool
    /// Whether the request has been answered or its connection dropped; until then a `nil`
    /// `status` means "still being handled". Swift API only: the control API's journal keeps
    /// the fields DESIGN.md lists.
    public var finished = false

    enum CodingKeys: String, CodingKey {
        case id, operation, method, path, spreadsheetID = "spreadsheetId", range, status, faultID = "faultId", at, held
    }

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .int(id), "operation": .string(operation), "method": .string(method), "path": .string(path),
            "at": .string(RecordedCall.timestamp(at)), "held": .bool(held),
        ]
        object["spreadsheetId"] = spreadsheetID.map { .string($0) } ?? .null
        object["range"] = range.map { .string($0) } ?? .null
        object["status"] = status.map { .int($0) } ?? .null
        object["faultId"] = faultID.map { .string($0) } ?? .null
        return .object(object)
    }

    /// ISO 8601 with milliseconds, UTC.
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }
}
