import Foundation
import Testing
@testable import FakeSheets
import MetroSupport

/// How `values.append` finds its table. The table of cases is the worked example of Google's
/// guide "Read & write cell values", section "Append values"
/// (developers.google.com/workspace/sheets/api/guides/values#append_values); the HTTP cases are
/// the answers Google gave in the recordings of issue 18.
@Suite("values.append table detection, as Google's guide describes it")
struct TableDetectionTests {
    /// The guide's Sheet1: two tables, A1:C2 and B4:D6.
    static func guideSheet() -> Spreadsheet {
        var grid = SheetGrid(sheetID: 0, title: "Sheet1", index: 0, rowCount: 1000, columnCount: 26)
        let x = CellWrite.set(.text("x")), y = CellWrite.set(.text("y")), z = CellWrite.set(.text("z"))
        grid.write([[x, y, z], [x, y, z], [], [.keep, x, y], [.keep, .keep, y, z], [.keep, x, y, z]], row: 0, column: 0)
        return Spreadsheet(id: "guide", title: "Guide", sheets: [grid], sharedWith: nil)
    }

    // Guide "Append values": "Appended values would begin at B7 for all the following range
    // inputs: Sheet1 … B4 or C5:D5 … B2:D4 … A3:G10"; "A1 would start writing at A3"; "E4 would
    // start writing at E4 … (A4 would also start writing at A4 for the same reasons.)"
    @Test("the guide's ranges start writing where the guide says", arguments: [
        ("Sheet1", "B4:D6", "B7"), ("Sheet1!B4", "B4:D6", "B7"), ("Sheet1!C5:D5", "B4:D6", "B7"),
        ("Sheet1!B2:D4", "B4:D6", "B7"), ("Sheet1!A3:G10", "B4:D6", "B7"), ("Sheet1!A1", "A1:C2", "A3"),
        ("Sheet1!E4", nil, "E4"), ("Sheet1!A4", nil, "A4"),
    ] as [(String, String?, String)])
    func guideExample(_ c: (String, String?, String)) throws {
        let (text, table, start) = c
        var spreadsheet = TableDetectionTests.guideSheet()
        let parsed = try #require(A1Range.parse(text))
        let (index, range) = try #require(spreadsheet.resolve(parsed))
        let found = spreadsheet.sheets[index].appendTable(for: range)
        #expect(found.map { A1Range.format(quotedTitle: "Sheet1", rows: $0.rows, columns: $0.columns) } == table.map { "Sheet1!" + $0 })
        let row = found?.rows.upperBound ?? (range.startRow ?? 0)
        let column = found?.columns.lowerBound ?? (range.startColumn ?? 0)
        #expect(A1Range.format(quotedTitle: "Sheet1", rows: row..<(row + 1), columns: column..<(column + 1)) == "Sheet1!" + start)
    }

    // Issue 18, recorded answers: row 1 = ["x", "", "y"]; appending to Sheet1 answers tableRange
    // Sheet1!C1 and writes at C2:E2; appending to Sheet1!A1 answers tableRange Sheet1!A1.
    @Test("an empty cell in the top row splits it into two tables; the last one is appended to", arguments: [
        ("Sheet1", "Sheet1!C1", "Sheet1!C2:E2"), ("Sheet1!A1", "Sheet1!A1", "Sheet1!A2:C2"),
        ("Sheet1!A:C", "Sheet1!C1", "Sheet1!C2:E2"),
    ])
    func emptyCellInHeader(_ c: (String, String, String)) async throws {
        let (range, table, updated) = c
        try await withSpreadsheet(sheets: ["Sheet1"]) { _, client, token, id in
            #expect(try await client.update(id, "Sheet1!A1", [["x", "", "y"]], token: token, query: "valueInputOption=RAW").status == 200)
            let answer = try await client.append(id, range, [["1", "2", "3"]], token: token, query: "valueInputOption=RAW")
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["tableRange"] as? String == table)
            #expect((answer.json["updates"] as? [String: Any])?["updatedRange"] as? String == updated)
        }
    }

    // The same rule on metro-bot's own request (RAW, INSERT_ROWS, Attendance!A:J): a user
    // without a username leaves column C empty in every row so far, so Google finds the table
    // D1:J1 and shifts the next row right by three columns. The fake shows it as Google would.
    @Test("a column empty in every row shifts a bot-shaped append to the right, as on Google")
    func botShapedShift() async throws {
        try await withSpreadsheet { _, client, token, id in
            let row = ["2024-05-01T08:00:00Z", "1301", "", "Ivo", "check_in", "40.4168", "-3.7038", "Madrid HQ", "12", "1"]
            let first = try await client.append(id, "Attendance!A:J", [row], token: token,
                                                query: "valueInputOption=RAW&insertDataOption=INSERT_ROWS")
            #expect((first.json["updates"] as? [String: Any])?["updatedRange"] as? String == "Attendance!A1:J1")
            let second = try await client.append(id, "Attendance!A:J", [row], token: token,
                                                 query: "valueInputOption=RAW&insertDataOption=INSERT_ROWS")
            #expect(second.json["tableRange"] as? String == "Attendance!D1:J1")
            #expect((second.json["updates"] as? [String: Any])?["updatedRange"] as? String == "Attendance!D2:M2")
        }
    }

    @Test("a cell that bridges two tables merges them for the next append")
    func bridgedTables() async throws {
        try await withSpreadsheet(sheets: ["Sheet1"]) { _, client, token, id in
            _ = try await client.update(id, "Sheet1!A1", [["x", "", "y"]], token: token, query: "valueInputOption=RAW")
            let first = try await client.append(id, "Sheet1", [["1"]], token: token, query: "valueInputOption=RAW")
            #expect(first.json["tableRange"] as? String == "Sheet1!C1")
            _ = try await client.update(id, "Sheet1!B1", [["bridge"]], token: token, query: "valueInputOption=RAW")
            let second = try await client.append(id, "Sheet1", [["2"]], token: token, query: "valueInputOption=RAW")
            #expect(second.json["tableRange"] as? String == "Sheet1!A1:C2")
            #expect((second.json["updates"] as? [String: Any])?["updatedRange"] as? String == "Sheet1!A3")
        }
    }

    /// The remembered table (`KnownTable`) must never change an answer: after every step of a
    /// seeded mix of appends and scattered writes, the table found with the memory equals the
    /// one found by a grid that has forgotten it.
    @Test("the remembered table always equals a fresh search", arguments: [UInt64(1), 2, 3, 4])
    func rememberedTableIsExact(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var grid = SheetGrid(sheetID: 0, title: "Sheet1", index: 0, rowCount: 1000, columnCount: 26)
        let ranges = ["Sheet1", "Sheet1!A:E", "Sheet1!A1", "Sheet1!B2:D40"].compactMap(A1Range.parse).map { range -> A1Range in
            range.bareName ? A1Range.wholeSheet(range.sheetTitle) : range
        }
        for _ in 0..<300 {
            let range = ranges[Int(random.next() % UInt64(ranges.count))]
            var fresh = grid
            fresh.forgetTables()
            let remembered = grid.appendTable(for: range)
            #expect(remembered == fresh.appendTable(for: range))
            let width = Int(random.next() % 4) + 1
            let line = (0..<width).map { _ in random.next() % 5 == 0 ? CellWrite.keep : .set(.text("v")) }
            if random.next() % 4 == 0 {
                grid.write([line], row: Int(random.next() % 40), column: Int(random.next() % 6))
            } else {
                let row = remembered?.rows.upperBound ?? 0
                grid.write([line], row: row, column: remembered?.columns.lowerBound ?? 0)
            }
        }
    }
}
