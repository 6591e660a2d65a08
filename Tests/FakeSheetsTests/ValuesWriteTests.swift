import Foundation
import Testing
import FakeSheets

/// `values.update` and `values.append` as the `ValueRange` reference page defines their input
/// (developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.values#ValueRange:
/// "Null values will be skipped. To set a cell to an empty value, set the string value to an
/// empty string.") and as the grid limits bound them.
@Suite("values.update / values.append: null, empty string, grid limits")
struct ValuesWriteTests {
    // ValueRange reference: nulls are skipped, so only the written cells count (issue 18's
    // recorded answer for [[null,"x"],["y",null]]: updatedCells 2).
    @Test("null cells are skipped: not written and not counted", arguments: [
        // (values, updatedRange, rows, columns, cells)
        ([[nil, "x"], ["y", nil]], "Sheet1!A1:B2", 2, 2, 2),
        ([[nil, "x"], [nil, "y"]], "Sheet1!B1:B2", 2, 1, 2),
        ([["a", nil, "c"]], "Sheet1!A1:C1", 1, 2, 2),
        ([[nil, nil], [nil, "z"]], "Sheet1!B2", 1, 1, 1),
    ] as [([[String?]], String, Int, Int, Int)])
    func nullsSkipped(_ c: ([[String?]], String, Int, Int, Int)) async throws {
        let (values, range, rows, columns, cells) = c
        try await withSpreadsheet(sheets: ["Sheet1"]) { fake, client, token, id in
            #expect(try await client.update(id, "Sheet1!A1", [["old", "old"], ["old", "old"]], token: token).status == 200)
            let json: [[Any]] = values.map { line in line.map { value -> Any in value.map { $0 as Any } ?? NSNull() } }
            let answer = try await client.update(id, "Sheet1!A1", json, token: token, query: "valueInputOption=RAW")
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["updatedRange"] as? String == range)
            #expect(answer.json["updatedRows"] as? Int == rows)
            #expect(answer.json["updatedColumns"] as? Int == columns)
            #expect(answer.json["updatedCells"] as? Int == cells)
            // A null leaves the old value in place.
            let stored = try await fake.rows(spreadsheetID: id, sheet: "Sheet1")
            for (r, line) in values.enumerated() {
                for (c, value) in line.enumerated() {
                    #expect(stored[r][c] == (value ?? "old"))
                }
            }
        }
    }

    // ValueRange reference: "To set a cell to an empty value, set the string value to an empty string."
    @Test("an empty string empties the cell and counts as written")
    func emptyStringClears() async throws {
        try await withSpreadsheet(sheets: ["Sheet1"]) { fake, client, token, id in
            _ = try await client.update(id, "Sheet1!A1", [["a", "b", "c"]], token: token)
            let answer = try await client.update(id, "Sheet1!A1", [["", "B", ""]], token: token, query: "valueInputOption=RAW")
            #expect(answer.json["updatedCells"] as? Int == 3)
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Sheet1") == [["", "B"]])
        }
    }

    // Issue 18 and Google's answers quoted in public reports (lighthouse-parade #151:
    // "Range ('Lighthouse Results'!A1001) exceeds grid limits. Max rows: 1000, max columns: 121"):
    // values.update does not grow the grid.
    @Test("values.update beyond the grid is Google's 400 exceeds grid limits, and writes nothing", arguments: [
        ("'My Sheet'!A1001", [["x"]], "Range ('My Sheet'!A1001) exceeds grid limits. Max rows: 1000, max columns: 26"),
        ("'My Sheet'!AA1", [["x"]], "Range ('My Sheet'!AA1) exceeds grid limits. Max rows: 1000, max columns: 26"),
        ("'My Sheet'!A999", [["x"], ["y"], ["z"]], "Range ('My Sheet'!A999:A1001) exceeds grid limits. Max rows: 1000, max columns: 26"),
        ("'My Sheet'!Y1", [["x", "y", "z"]], "Range ('My Sheet'!Y1:AA1) exceeds grid limits. Max rows: 1000, max columns: 26"),
    ] as [(String, [[String]], String)])
    func updateOutsideGrid(_ c: (String, [[String]], String)) async throws {
        try await withSpreadsheet(sheets: ["My Sheet"]) { fake, client, token, id in
            let answer = try await client.update(id, c.0, c.1, token: token)
            #expect(answer.status == 400)
            #expect(answer.googleStatus == "INVALID_ARGUMENT")
            #expect(answer.googleMessage == c.2)
            #expect(try await fake.rows(spreadsheetID: id, sheet: "My Sheet").isEmpty)
        }
    }

    // values.append reference, InsertDataOption.OVERWRITE: "adding data to the end of the sheet
    // will still insert new rows or columns so the data can be written".
    @Test("values.append grows the grid by the rows and columns its values need")
    func appendGrowsColumns() async throws {
        try await withSpreadsheet(sheets: ["Sheet1"]) { _, client, token, id in
            let answer = try await client.append(id, "Sheet1!Y1", [["a", "b", "c", "d"]], token: token, query: "valueInputOption=RAW")
            #expect(answer.status == 200, "\(answer.text)")
            #expect((answer.json["updates"] as? [String: Any])?["updatedRange"] as? String == "Sheet1!Y1:AB1")
            let grid = try #require(try await client.sheetProperties(id, token: token).first?["gridProperties"] as? [String: Any])
            #expect(grid["columnCount"] as? Int == 28)
            #expect(grid["rowCount"] as? Int == 1000)
        }
    }
}
