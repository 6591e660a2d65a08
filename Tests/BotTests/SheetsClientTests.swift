@testable import Bot
import Testing

@Suite struct SheetRangeTests {
    @Test("sheet names are quoted, inner quotes doubled, and percent-encoded as one path segment", arguments: [
        ("Attendance", "A:J", "'Attendance'!A:J", "'Attendance'!A:J"),
        ("Attendance", "J:J", "'Attendance'!J:J", "'Attendance'!J:J"),
        ("Site log", "A:J", "'Site log'!A:J", "'Site%20log'!A:J"),
        ("Ana's sheet", "A:J", "'Ana''s sheet'!A:J", "'Ana''s%20sheet'!A:J"),
        ("2026/11 #1?", "A:J", "'2026/11 #1?'!A:J", "'2026%2F11%20%231%3F'!A:J"),
        ("Asistencia ñ", "A:J", "'Asistencia ñ'!A:J", "'Asistencia%20%C3%B1'!A:J"),
        ("100%", "A:J", "'100%'!A:J", "'100%25'!A:J"),
    ])
    func encodesRanges(sheet: String, columns: String, a1: String, segment: String) {
        let range = SheetRange(sheetName: sheet, columns: columns)
        #expect(range.a1 == a1)
        #expect(range.pathSegment == segment)
    }

    @Test("row keys are read from string and number cells; the header and blanks are not keys", arguments: [
        ("42", Int64(42)), (" 43 ", 43), ("update_id", nil), ("", nil), ("4.5", nil),
    ] as [(String, Int64?)])
    func rowKeysFromStrings(cell: String, key: Int64?) {
        #expect(SheetsClient.rowKey(cell) == key)
    }

    @Test("numeric cells give integer keys; fractional numbers are not keys")
    func rowKeysFromNumbers() {
        #expect(SheetsClient.rowKey(44 as Int) == 44)
        #expect(SheetsClient.rowKey(45.0 as Double) == 45)
        #expect(SheetsClient.rowKey(45.5 as Double) == nil)
    }
}
