import Foundation
import Testing
import FakeSheets

/// `values.clear`, `values.batchClear` and `values.batchUpdate`, on the requests and answers of
/// their reference pages (developers.google.com/workspace/sheets/api/reference/rest/v4/
/// spreadsheets.values/clear, …/batchClear, …/batchUpdate) and the guide "Basic writing"
/// (developers.google.com/workspace/sheets/api/samples/writing).
@Suite("values.clear, values.batchClear, values.batchUpdate")
struct ValueBatchTests {
    // values.clear reference: "Only values are cleared"; clearedRange is "the actual range that
    // was cleared, bounded to the sheet's limits" for an unbounded range.
    @Test("values.clear empties the range and answers the cleared range bounded to the sheet", arguments: [
        ("Sheet1!A1:B2", "Sheet1!A1:B2", [["", "", "c"], ["", "", "f"], ["g", "h", "i"]]),
        ("Sheet1!B:B", "Sheet1!B1:B1000", [["a", "", "c"], ["d", "", "f"], ["g", "", "i"]]),
        ("Sheet1", "Sheet1!A1:Z1000", []),
        ("Sheet1!A2:C9999", "Sheet1!A2:C1000", [["a", "b", "c"]]),
    ] as [(String, String, [[String]])])
    func clear(_ c: (String, String, [[String]])) async throws {
        try await withSpreadsheet(sheets: ["Sheet1"]) { fake, client, token, id in
            _ = try await client.update(id, "Sheet1!A1", [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]], token: token)
            let answer = try await client.clear(id, c.0, token: token)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["spreadsheetId"] as? String == id)
            #expect(answer.json["clearedRange"] as? String == c.1)
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Sheet1") == c.2)
        }
    }

    @Test("values.clear of a range outside the grid is Google's exceeds grid limits")
    func clearOutsideGrid() async throws {
        try await withSpreadsheet(sheets: ["Sheet1"]) { _, client, token, id in
            let answer = try await client.clear(id, "Sheet1!A1001:B1002", token: token)
            #expect(answer.status == 400)
            #expect(answer.googleMessage == "Range (Sheet1!A1001) exceeds grid limits. Max rows: 1000, max columns: 26")
        }
    }

    // values.batchClear reference: answers clearedRanges in the order asked; all or nothing.
    @Test("values.batchClear clears every range, or none when one is bad")
    func batchClear() async throws {
        try await withSpreadsheet(sheets: ["Sheet1", "Other"]) { fake, client, token, id in
            _ = try await client.update(id, "Sheet1!A1", [["a", "b"], ["c", "d"]], token: token)
            _ = try await client.update(id, "Other!A1", [["x"]], token: token)
            let bad = try await client.batchClear(id, ["Sheet1!A1", "Nope!A1"], token: token)
            #expect(bad.status == 400)
            #expect(bad.googleMessage == "Unable to parse range: Nope!A1")
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Sheet1") == [["a", "b"], ["c", "d"]])
            let answer = try await client.batchClear(id, ["Sheet1!A1:A2", "Other"], token: token)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["clearedRanges"] as? [String] == ["Sheet1!A1:A2", "Other!A1:Z1000"])
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Sheet1") == [["", "b"], ["", "d"]])
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Other").isEmpty)
        }
    }

    // Guide "Basic writing", "Write multiple ranges": A1:A4 by COLUMNS and B1:D2 by ROWS; the
    // answer's totals count rows and columns once (4 rows, 4 columns, 10 cells, 1 sheet).
    @Test("values.batchUpdate writes each ValueRange and answers the guide's totals")
    func batchUpdate() async throws {
        try await withSpreadsheet(sheets: ["Sheet1"]) { fake, client, token, id in
            let answer = try await client.batchUpdateValues(id, [
                "valueInputOption": "USER_ENTERED",
                "data": [
                    ["range": "Sheet1!A1:A4", "majorDimension": "COLUMNS", "values": [["Item", "Wheel", "Door", "Engine"]]],
                    ["range": "Sheet1!B1:D2", "majorDimension": "ROWS", "values": [["Cost", "Stocked", "Ship Date"], ["$20.50", "4", "3/1/2016"]]],
                ],
            ], token: token)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["totalUpdatedRows"] as? Int == 4)
            #expect(answer.json["totalUpdatedColumns"] as? Int == 4)
            #expect(answer.json["totalUpdatedCells"] as? Int == 10)
            #expect(answer.json["totalUpdatedSheets"] as? Int == 1)
            let responses = try #require(answer.json["responses"] as? [[String: Any]])
            #expect(responses.map { $0["updatedRange"] as? String } == ["Sheet1!A1:A4", "Sheet1!B1:D2"])
            #expect(responses.map { $0["updatedCells"] as? Int } == [4, 6])
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Sheet1") == [
                ["Item", "Cost", "Stocked", "Ship Date"], ["Wheel", "$20.50", "4", "3/1/2016"], ["Door"], ["Engine"],
            ])
        }
    }

    @Test("values.batchUpdate writes nothing when one range fails, and requires valueInputOption")
    func batchUpdateAtomic() async throws {
        try await withSpreadsheet(sheets: ["Sheet1"]) { fake, client, token, id in
            let failing = try await client.batchUpdateValues(id, [
                "valueInputOption": "RAW",
                "data": [["range": "Sheet1!A1", "values": [["kept?"]]], ["range": "Sheet1!A1001", "values": [["x"]]]],
            ], token: token)
            #expect(failing.status == 400)
            #expect(failing.googleMessage == "Range (Sheet1!A1001) exceeds grid limits. Max rows: 1000, max columns: 26")
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Sheet1").isEmpty)
            let unspecified = try await client.batchUpdateValues(id, ["data": [["range": "Sheet1!A1", "values": [["x"]]]]], token: token)
            #expect(unspecified.status == 400)
            #expect(unspecified.googleMessage == "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
        }
    }
}
