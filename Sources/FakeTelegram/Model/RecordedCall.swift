import Foundation

/// One Bot API call as the fake's journal recorded it.
public struct RecordedCall: Sendable, Hashable {
    /// The method, spelled as the Bot API documents it when known (`sendMessage`), else as called.
    public let method: String
    /// The parameters as received: a JSON body's object, or the form/query fields as strings.
    public let params: JSONValue
    /// When the call arrived.
    public let at: Date
    /// The HTTP status the fake answered (0 when it never answered: a `timeout`/`reset` fault).
    public let status: Int

    var json: JSONValue {
        .object([
            "method": .string(method), "params": params,
            "at": .string(at.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))),
            "status": .int(Int64(status)),
        ])
    }
}
