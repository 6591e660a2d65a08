import Foundation

/// The fake Sheets' control API (DESIGN.md "Fake Sheets"), typed.
public struct SheetsControl: Sendable {
    /// The underlying client, pointed at the fake's base URL.
    public let client: ControlClient

    /// Creates the wrapper.
    public init(client: ControlClient) {
        self.client = client
    }

    /// The rows of one sheet, each an array of cell strings.
    public func rows(spreadsheetID: String, sheet: String) async throws -> [[String]] {
        let sheetPath = sheet.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? sheet
        let json = try await client.call("GET", "/control/spreadsheets/\(spreadsheetID)/sheets/\(sheetPath)/rows")
        guard let rows = json as? [[Any]] else { return [] }
        return rows.map { $0.map { "\($0)" } }
    }

    /// The call journal, optionally of one operation.
    public func calls(operation: String? = nil) async throws -> [JournaledCall] {
        let all = JournaledCall.parse(try await client.call("GET", "/control/calls"))
        guard let operation else { return all }
        return all.filter { $0.method == operation }
    }

    /// Installs a fault rule; returns its id.
    public func addFault(_ rule: [String: Any]) async throws -> String? {
        let object = try await client.call("POST", "/control/faults", json: rule) as? [String: Any]
        return (object?["id"]).map { "\($0)" }
    }

    /// Removes every fault rule.
    public func clearFaults() async throws {
        _ = try await client.call("DELETE", "/control/faults")
    }
}
