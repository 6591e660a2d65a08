import Foundation

/// One entry of a fake's call journal (`GET /control/calls`).
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

    /// Reads the journal's JSON array; entries without a method or time are skipped.
    static func parse(_ json: Any?) -> [JournaledCall] {
        guard let items = json as? [[String: Any]] else { return [] }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        return items.compactMap { item in
            // Sheets journals carry `operation` (and the HTTP verb as `method`); Telegram `method`.
            guard let method = (item["operation"] ?? item["method"]) as? String,
                  let atText = item["at"] as? String,
                  // A time without a zone (`2026-11-29T04:46:12.213`) is read as UTC.
                  let at = formatter.date(from: atText) ?? plain.date(from: atText) ?? formatter.date(from: atText + "Z") ?? plain.date(from: atText + "Z")
            else { return nil }
            let params = item["params"].flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .fragmentsAllowed]) }
                .map { String(decoding: $0, as: UTF8.self) } ?? ""
            // A status of 0 or null means the fake has not answered (yet).
            let code = (item["status"] as? NSNumber)?.intValue
            let status = code == 0 ? nil : code
            let held = (item["held"] as? Bool) ?? (status == nil)
            let details = item["params"] ?? item["range"] ?? item["path"]
            let paramsText = details.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .fragmentsAllowed]) }
                .map { String(decoding: $0, as: UTF8.self) } ?? params
            let faultID = (item["faultId"] ?? item["fault_id"]).flatMap { $0 is NSNull ? nil : "\($0)" }
            return JournaledCall(method: method, at: at, status: status, params: paramsText, held: held, faultID: faultID)
        }
    }

    /// `12:00:01.250 setWebhook → 502 {"url":…}` for evidence.
    public var evidenceLine: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return "\(formatter.string(from: at)) \(method) → \(status.map(String.init) ?? "no answer") \(params.prefix(160))"
    }
}
