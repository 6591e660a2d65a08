import Foundation

/// Rewrites updates for a bundle that leaves the building: user ids, names and usernames become
/// invented ones — the same person the same invented one throughout, so flows still line up — and,
/// if asked, coordinates are rounded to two decimals. Locations are kept by default, since the
/// site a check-in resolves to depends on them.
struct IncidentAnonymizer {
    let anonymize: Bool
    let blurLocations: Bool
    private var inventedIDs: [Int64: Int64] = [:]

    init(anonymize: Bool, blurLocations: Bool) {
        self.anonymize = anonymize
        self.blurLocations = blurLocations
    }

    /// The update's JSON with people and places rewritten as configured; unchanged when neither
    /// is asked for, or when it is not a JSON object.
    mutating func rewrite(updateJSON raw: String) -> String {
        guard anonymize || blurLocations,
              let object = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) else { return raw }
        let rewritten = rewrite(object)
        guard let data = try? JSONSerialization.data(withJSONObject: rewritten, options: [.sortedKeys]) else { return raw }
        return String(decoding: data, as: UTF8.self)
    }

    /// The invented id of a real one, the same each time it is asked.
    mutating func inventedID(for id: Int64) -> Int64 {
        if let known = inventedIDs[id] { return known }
        let invented = 9_000_001 + Int64(inventedIDs.count)
        inventedIDs[id] = invented
        return invented
    }

    private mutating func rewrite(_ value: Any) -> Any {
        switch value {
        case let object as [String: Any]:
            var result: [String: Any] = [:]
            for (name, member) in object {
                if blurLocations, name == "latitude" || name == "longitude", let degrees = (member as? NSNumber)?.doubleValue {
                    result[name] = (degrees * 100).rounded() / 100
                } else {
                    result[name] = rewrite(member)
                }
            }
            // A user or a chat: an id beside names, `is_bot` or a chat `type`.
            if anonymize, let id = (object["id"] as? NSNumber)?.int64Value,
               object["is_bot"] != nil || object["type"] != nil || object["first_name"] != nil {
                let number = inventedID(for: id) - 9_000_000
                result["id"] = inventedID(for: id)
                if object["first_name"] != nil { result["first_name"] = "Person \(number)" }
                if object["username"] != nil { result["username"] = "person\(number)" }
                if object["title"] != nil { result["title"] = "Chat \(number)" }
                result["last_name"] = nil
            }
            return result
        case let array as [Any]:
            return array.map { rewrite($0) }
        default:
            return value
        }
    }
}
