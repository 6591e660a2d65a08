import Foundation
import NIOHTTP1
import NIOCore
import Testing
@testable import FakeSheets

@Suite("A1 notation: parsing and formatting")
struct A1RangeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var sheet: String?
        var bare: Bool = false
        var rows: (Int?, Int?)
        var columns: (Int?, Int?)
        var testDescription: String { text }
    }

    static let parsed: [Case] = [
        Case(text: "Sheet1!A1:C3", sheet: "Sheet1", rows: (0, 3), columns: (0, 3)),
        Case(text: "Sheet1!A1", sheet: "Sheet1", rows: (0, 1), columns: (0, 1)),
        Case(text: "Sheet1!C3:A1", sheet: "Sheet1", rows: (0, 3), columns: (0, 3)),
        Case(text: "Sheet1!A:C", sheet: "Sheet1", rows: (0, nil), columns: (0, 3)),
        Case(text: "Sheet1!A2:C", sheet: "Sheet1", rows: (1, nil), columns: (0, 3)),
        Case(text: "Sheet1!1:3", sheet: "Sheet1", rows: (0, 3), columns: (0, nil)),
        Case(text: "Sheet1!$A$1:$B$2", sheet: "Sheet1", rows: (0, 2), columns: (0, 2)),
        Case(text: "Sheet1!aa10:ab11", sheet: "Sheet1", rows: (9, 11), columns: (26, 28)),
        Case(text: "'My Sheet'!A1:B2", sheet: "My Sheet", rows: (0, 2), columns: (0, 2)),
        Case(text: "'Bob''s Sheet'!A1", sheet: "Bob's Sheet", rows: (0, 1), columns: (0, 1)),
        Case(text: "'Sheet!1'!B2", sheet: "Sheet!1", rows: (1, 2), columns: (1, 2)),
        Case(text: "'My Sheet'", sheet: "My Sheet", rows: (nil, nil), columns: (nil, nil)),
        Case(text: "Attendance", sheet: "Attendance", rows: (nil, nil), columns: (nil, nil)),
        Case(text: "A1:B2", sheet: "A1:B2", bare: true, rows: (0, 2), columns: (0, 2)),
        Case(text: "B5", sheet: "B5", bare: true, rows: (4, 5), columns: (1, 2)),
    ]

    @Test("valid ranges parse to the right sheet and bounds", arguments: parsed)
    func parses(_ c: Case) throws {
        let range = try #require(A1Range.parse(c.text))
        #expect(range.sheetTitle == c.sheet)
        #expect(range.bareName == c.bare)
        #expect(range.startRow == c.rows.0)
        #expect(range.endRow == c.rows.1)
        #expect(range.startColumn == c.columns.0)
        #expect(range.endColumn == c.columns.1)
    }

    @Test("malformed ranges do not parse", arguments: [
        "", "Sheet1!", "Sheet1!A0", "Sheet1!A1:B2:C3", "Sheet1!AAAA1", "'Unclosed!A1", "'Sheet'A1", "Sheet1!A1:", "Sheet1!:B2",
        "Sheet1!1A", "''!A1", "Sheet1!A-1",
    ])
    func rejects(_ text: String) {
        #expect(A1Range.parse(text) == nil)
    }

    @Test("sheet titles are quoted in responses only when needed", arguments: [
        ("Sheet1", "Sheet1"), ("Attendance", "Attendance"), ("My Sheet", "'My Sheet'"), ("Bob's", "'Bob''s'"),
        ("A1", "'A1'"), ("2024", "'2024'"), ("Año", "'Año'"), ("R1C1", "'R1C1'"),
    ])
    func quoting(_ pair: (String, String)) {
        #expect(A1Range.quotedTitle(pair.0) == pair.1)
    }

    @Test("column letters round-trip", arguments: [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (701, "ZZ"), (702, "AAA")])
    func columns(_ pair: (Int, String)) {
        #expect(A1Range.columnLetters(pair.0) == pair.1)
        #expect(A1Range.parseReference(Substring(pair.1))?.column == pair.0)
    }

    @Test("ranges are written the way Google writes them")
    func formatting() {
        #expect(A1Range.format(quotedTitle: A1Range.quotedTitle("Sheet1"), rows: 0..<1, columns: 0..<1) == "Sheet1!A1")
        #expect(A1Range.format(quotedTitle: A1Range.quotedTitle("My Sheet"), rows: 1..<1000, columns: 0..<26) == "'My Sheet'!A2:Z1000")
        #expect(A1Range.format(quotedTitle: A1Range.quotedTitle("Wide"), rows: 9..<10, columns: 25..<27) == "Wide!Z10:AA10")
    }

    @Test("a sheet writes its ranges with its title quoted once, at creation")
    func sheetRanges() {
        let grid = SheetGrid(sheetID: 1, title: "Bob's", index: 0, rowCount: 1000, columnCount: 26)
        #expect(grid.rangeTitle == "'Bob''s'")
        #expect(grid.a1Range(rows: 4..<5, columns: 0..<10) == "'Bob''s'!A5:J5")
        #expect(grid.a1Range(rows: 0..<1, columns: 2..<3) == "'Bob''s'!C1")
    }
}
