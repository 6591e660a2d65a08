import Foundation

/// What a fake records of a request beyond the journal's common fields: the fake Telegram its
/// Bot API method and parameters, the fake Sheets its operation, path, spreadsheet and range.
public protocol CallDetails: Sendable, Hashable {
    /// The name a journal is filtered by: a Bot API method (or `delivery`), a Sheets operation.
    var name: String { get }
    /// The details' members of the journal entry's JSON form.
    var jsonMembers: [String: JSONValue] { get }
}

/// One entry of a fake's call journal (`calls(…)`, `GET /control/calls`), the same shape in
/// both fakes: the details of the fake's own kind, reachable as if they were the entry's own
/// properties (`call.method`, `call.range`).
@dynamicMemberLookup
public struct RecordedCall<Details: CallDetails>: Sendable, Hashable {
    /// Position in the journal, from 1 (counting on across journal trims and resets).
    public var id: Int
    /// When the request arrived.
    public var at: Date
    /// The HTTP status answered; `nil` while it is being handled or when the fake never answered
    /// (a `timeout`, `reset` or `close` fault).
    public var status: Int?
    /// The id of the fault rule that fired on this request, if one did.
    public var faultID: String?
    /// Whether a `delay` or `timeout` fault is holding the request right now.
    public var held: Bool
    /// Whether the request has been answered or its connection dropped; until then a `nil`
    /// `status` means "still being handled". Swift API only.
    public var finished: Bool
    /// What the fake records of its kind of request.
    public var details: Details

    /// Creates an entry.
    public init(id: Int, at: Date, status: Int? = nil, faultID: String? = nil, held: Bool = false, finished: Bool = false,
                details: Details) {
        self.id = id
        self.at = at
        self.status = status
        self.faultID = faultID
        self.held = held
        self.finished = finished
        self.details = details
    }

    /// A member of ``details``.
    public subscript<Value>(dynamicMember keyPath: KeyPath<Details, Value>) -> Value { details[keyPath: keyPath] }

    /// The JSON form `GET /control/calls` answers: `id`, `at` (ISO 8601 UTC with milliseconds and
    /// `Z`), `status` and `faultId` (`null` when none), `held`, and the details' members.
    public var json: JSONValue {
        var object = details.jsonMembers
        object["id"] = .int(Int64(id))
        object["at"] = .string(Self.timestamp(at))
        object["status"] = status.map { .int(Int64($0)) } ?? .null
        object["faultId"] = faultID.map { .string($0) } ?? .null
        object["held"] = .bool(held)
        return .object(object)
    }

    /// `2026-12-05T07:10:00.250Z`: ISO 8601, UTC, milliseconds.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).timeZone(separator: .omitted))
    }
}
