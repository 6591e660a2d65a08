import Foundation
import MetroSupport

/// One entry of either fake's call journal, as scenarios check and reports show it.
public struct JournaledCall: Sendable, Equatable {
    /// Telegram method (`setWebhook`, `delivery`) or Sheets operation (`append`).
    public var method: String
    /// When the fake received it.
    public var at: Date
    /// The status the fake answered, or nil when it has not answered (held, timed out, dropped).
    public var status: Int?
    /// The call's parameters as compact JSON, for evidence.
    public var params: String
    /// Whether a `delay`/`timeout` fault is holding it right now.
    public var held: Bool
    /// The id of the fault rule that fired on it, when the fake reports it.
    public var faultID: String?

    /// Creates an entry.
    public init(method: String, at: Date, status: Int?, params: String = "", held: Bool = false, faultID: String? = nil) {
        self.method = method
        self.at = at
        self.status = status
        self.params = params
        self.held = held
        self.faultID = faultID
    }

    /// The entry of a fake's journal: its method or operation, and as parameters the Bot API
    /// call's parameters, or the Sheets request's range (else its path), as compact JSON.
    public init<Details>(_ call: RecordedCall<Details>) {
        let members = call.details.jsonMembers
        let shown = members["params"] ?? members["range"].flatMap { $0 == .null ? nil : $0 } ?? members["path"]
        self.init(method: call.details.name, at: call.at, status: call.status,
                  params: shown.map { String(decoding: $0.serialized(), as: UTF8.self) } ?? "",
                  held: call.held, faultID: call.faultID)
    }

    /// `12:00:01.250 setWebhook → 502 {"url":…}` for evidence.
    public var evidenceLine: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return "\(formatter.string(from: at)) \(method) → \(status.map(String.init) ?? "no answer") \(params.prefix(160))"
    }
}
