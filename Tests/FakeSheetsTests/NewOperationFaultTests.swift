import Foundation
import Testing
import FakeSheets
import MetroSupport

/// The clear, batchClear and batchUpdateValues calls take part in fault rules and the journal like the first ones:
/// each has its own `operation` name, a faulted call changes nothing, and every call is journaled.
@Suite("Fault rules and the journal for clear, batchClear, batchUpdateValues and batchUpdate kinds")
struct NewOperationFaultTests {
    /// One request of each new kind, as (operation, HTTP call).
    static let calls: [(SheetsFaultMatch.Operation, @Sendable (SheetsTestClient, String, String) async throws -> HTTPAnswer)] = [
        (.clear, { client, id, token in try await client.clear(id, "Attendance!A1:B2", token: token) }),
        (.batchClear, { client, id, token in try await client.batchClear(id, ["Attendance!A1"], token: token) }),
        (.batchUpdateValues, { client, id, token in
            try await client.batchUpdateValues(id, ["valueInputOption": "RAW", "data": [["range": "Attendance!A1", "values": [["new"]]]]], token: token)
        }),
        (.batchUpdate, { client, id, token in
            try await client.batchUpdate(id, [["updateSheetProperties": ["properties": ["sheetId": 0, "title": "Renamed"], "fields": "title"]]], token: token)
        }),
    ]

    @Test("a 503 fault on each new operation answers 503, changes nothing, and is journaled under its name",
          arguments: 0..<NewOperationFaultTests.calls.count)
    func faulted(_ index: Int) async throws {
        let (operation, call) = NewOperationFaultTests.calls[index]
        try await withSpreadsheet { fake, client, token, id in
            _ = try await client.update(id, "Attendance!A1", [["old"]], token: token)
            _ = try await fake.addFault(SheetsFaultRule(operation: operation, respond: .init(status: 503), times: 1))
            let faulted = try await call(client, id, token)
            #expect(faulted.status == 503)
            #expect(faulted.googleStatus == "UNAVAILABLE")
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance") == [["old"]])
            let succeeded = try await call(client, id, token)
            #expect(succeeded.status == 200, "\(succeeded.text)")
            let journal = await fake.calls().filter { $0.operation == operation.rawValue }
            #expect(journal.map(\.status) == [503, 200])
            #expect(journal.first?.faultID != nil)
        }
    }

    @Test("SheetsFaultRule(json:) accepts each new operation name", arguments: ["clear", "batchClear", "batchUpdateValues", "batchUpdate"])
    func parsesNames(_ name: String) throws {
        let rule = try SheetsFaultRule(json: Data("{\"match\": {\"operation\": \"\(name)\"}, \"respond\": {\"status\": 500}}".utf8))
        #expect(rule.operation?.rawValue == name)
    }

    @Test("an unknown operation name is refused with the list of names")
    func unknownName() {
        #expect(throws: (any Error).self) {
            try SheetsFaultRule(json: Data("{\"match\": {\"operation\": \"clearValues\"}}".utf8))
        }
    }
}
