import FakeSheets
import Foundation

/// What a scenario does to the in-process fake Sheets, through its typed Swift API.
public struct SheetsControl: Sendable {
    /// The fake.
    public let fake: FakeSheets

    /// Creates the wrapper.
    public init(fake: FakeSheets) {
        self.fake = fake
    }

    /// The rows of one sheet, each an array of cell strings.
    public func rows(spreadsheetID: String, sheet: String) async throws -> [[String]] {
        try await fake.rows(spreadsheetID: spreadsheetID, sheet: sheet)
    }

    /// The call journal, optionally of one operation.
    public func calls(operation: String? = nil) async throws -> [JournaledCall] {
        await fake.calls(operation: operation).map(JournaledCall.init)
    }

    /// Installs a fault rule; returns its id.
    public func addFault(_ fault: ScenarioFault) async throws -> String {
        try await fake.addFault(try fault.sheetsRule())
    }

    /// Removes every fault rule.
    public func clearFaults() async throws {
        await fake.removeFaults()
    }
}
