import Testing
@testable import FakeSheets
import MetroSupport

/// `USER_ENTERED` number recognition, case by case (the HTTP round trip is covered in
/// ValuesOperationTests; this table pins the edges of the byte-level parser).
@Suite("USER_ENTERED numbers")
struct CellValueTests {
    @Test("numbers as the Sheets UI reads them in en_US", arguments: [
        ("12", 12.0), ("-3.50", -3.5), ("+7", 7), (".5", 0.5), ("1e3", 1000), ("2.5E-1", 0.25), ("1,234", 1234),
        ("1,234,567.25", 1_234_567.25), ("-1,000", -1000), ("40.4168", 40.4168), ("-3.7038", -3.7038), ("0", 0),
    ])
    func numbers(_ pair: (String, Double)) {
        #expect(CellValue.parseNumber(pair.0) == pair.1)
    }

    @Test("text that only looks numeric stays text", arguments: [
        "", "-", "+", "1,23", ",123", "12,", "1,,234", "1,234e5", "12a", "1.2.3", "inf", "nan", "0x1A", "1e999",
        "1 000", "2024-05-01T08:00:00Z", "--1", "٣", "e5",
    ])
    func notNumbers(_ text: String) {
        #expect(CellValue.parseNumber(text) == nil)
    }

    @Test("userEntered: booleans in any case, apostrophe forces text, surrounding spaces are trimmed for values only")
    func userEntered() {
        #expect(CellValue.userEntered(.string("fAlSe")) == .bool(false))
        #expect(CellValue.userEntered(.string(" TRUE ")) == .bool(true))
        #expect(CellValue.userEntered(.string("'12")) == .text("12"))
        #expect(CellValue.userEntered(.string(" 12 ")) == .number(12))
        #expect(CellValue.userEntered(.string(" x ")) == .text(" x "))
        #expect(CellValue.userEntered(.string("")) == nil)
        #expect(CellValue.userEntered(.int(5)) == .number(5))
    }
}
