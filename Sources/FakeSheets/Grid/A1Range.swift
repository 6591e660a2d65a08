import Foundation
import MetroSupport

/// A range in A1 notation as the Sheets API accepts it: `Sheet1!A1:C3`, open ranges (`A:C`,
/// `A2:C`, `1:3`), a bare sheet name (`Sheet1`), quoted names (`'My Sheet'!A1`,
/// `'Bob''s Sheet'!A1`), or cells with no sheet (the first sheet).
///
/// Rows and columns are zero-based; `end…` bounds are exclusive; `nil` bounds are open
/// (to the edge of the grid).
struct A1Range: Sendable, Hashable {
    /// The sheet named in the range; `nil` when none was named (the first sheet).
    var sheetTitle: String?
    /// Whether `sheetTitle` may instead be a cell reference on the first sheet (`A1` written
    /// without `!`): resolved against the spreadsheet's sheet titles.
    var bareName: Bool = false
    var startRow: Int?
    var startColumn: Int?
    var endRow: Int?
    var endColumn: Int?

    /// A range covering a whole sheet.
    static func wholeSheet(_ title: String?) -> A1Range {
        A1Range(sheetTitle: title)
    }

    /// The cells written as `A1` alone: a single cell, whose range in a write may grow to fit the data.
    var isSingleCell: Bool {
        if let r = startRow, let c = startColumn, endRow == r + 1, endColumn == c + 1 { return true }
        return false
    }

    /// Parses `text`; `nil` when it is not A1 notation (the API answers
    /// `Unable to parse range: <text>`).
    static func parse(_ text: String) -> A1Range? {
        guard !text.isEmpty else { return nil }
        if text.hasPrefix("'") {
            // Quoted sheet name: '' stands for one quote; ends at a quote not followed by another.
            var name = ""
            var index = text.index(after: text.startIndex)
            var closed = false
            while index < text.endIndex {
                let ch = text[index]
                if ch == "'" {
                    let next = text.index(after: index)
                    if next < text.endIndex, text[next] == "'" {
                        name.append("'")
                        index = text.index(after: next)
                        continue
                    }
                    index = next
                    closed = true
                    break
                }
                name.append(ch)
                index = text.index(after: index)
            }
            guard closed, !name.isEmpty else { return nil }
            if index == text.endIndex { return A1Range(sheetTitle: name) }
            guard text[index] == "!" else { return nil }
            let cells = text[text.index(after: index)...]
            guard var range = parseCells(cells) else { return nil }
            range.sheetTitle = name
            return range
        }
        if let bang = text.lastIndex(of: "!") {
            let name = String(text[..<bang])
            guard !name.isEmpty, !name.contains("'") else { return nil }
            let cells = text[text.index(after: bang)...]
            guard var range = parseCells(cells) else { return nil }
            range.sheetTitle = name
            return range
        }
        // No sheet separator: a bare sheet name, or cells on the first sheet.
        if var cells = parseCells(Substring(text)) {
            cells.sheetTitle = text
            cells.bareName = true
            return cells
        }
        return A1Range(sheetTitle: text)
    }

    /// `A1`, `A1:C3`, `A:C`, `A2:C`, `1:3`, `$A$1` (absolute markers ignored).
    static func parseCells(_ text: Substring) -> A1Range? {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        guard let first = parseReference(parts[0]) else { return nil }
        if parts.count == 1 {
            // A single reference must name a cell (`A1`); `A` or `5` alone are sheet names.
            guard let column = first.column, let row = first.row else { return nil }
            return A1Range(startRow: row, startColumn: column, endRow: row + 1, endColumn: column + 1)
        }
        guard let second = parseReference(parts[1]) else { return nil }
        // Both sides must name columns, or both rows, or the first a full cell.
        let hasColumns = first.column != nil && second.column != nil
        let hasRows = first.row != nil && second.row != nil
        guard hasColumns || hasRows || (first.column != nil && first.row != nil) else { return nil }
        var range = A1Range()
        if let c1 = first.column {
            if let c2 = second.column {
                range.startColumn = min(c1, c2)
                range.endColumn = max(c1, c2) + 1
            } else {
                range.startColumn = c1
            }
        } else {
            range.startColumn = 0
        }
        if let r1 = first.row {
            if let r2 = second.row {
                range.startRow = min(r1, r2)
                range.endRow = max(r1, r2) + 1
            } else {
                range.startRow = r1
            }
        } else {
            range.startRow = 0
        }
        return range
    }

    /// One side of a range: column letters and/or a 1-based row number. (`$` markers are ignored;
    /// at most 3 letters, then at most 8 digits; read on the UTF-8 bytes, as every request's range
    /// goes through here.)
    static func parseReference(_ text: Substring) -> (column: Int?, row: Int?)? {
        var letters = 0
        var digits = 0
        var column = 0
        var row = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "$"):
                continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                guard digits == 0 else { return nil }
                letters += 1
                column = column * 26 + Int((byte & 0xDF) - 64)
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                row = row * 10 + Int(byte - UInt8(ascii: "0"))
            default:
                return nil
            }
            if letters > 3 || digits > 8 { return nil }
        }
        if letters == 0 && digits == 0 { return nil }
        if digits > 0 && row < 1 { return nil }
        return (letters > 0 ? column - 1 : nil, digits > 0 ? row - 1 : nil)
    }

    /// `0` → `A`, `25` → `Z`, `26` → `AA`.
    static func columnLetters(_ index: Int) -> String {
        if index >= 0 && index < 26 { return singleLetters[index] }
        var n = index + 1
        var letters: [Character] = []
        while n > 0 {
            let rem = (n - 1) % 26
            letters.append(Character(UnicodeScalar(UInt8(65 + rem))))
            n = (n - 1) / 26
        }
        return String(letters.reversed())
    }

    /// `A` … `Z`: the columns of a default 26-column sheet, made once because every write's answer
    /// names two of them.
    private static let singleLetters = (0..<26).map { String(UnicodeScalar(UInt8(65 + $0))) }

    /// The sheet title as Google writes it in a range: bare when it is a plain identifier that
    /// cannot be read as a cell, else in single quotes with `'` doubled.
    static func quotedTitle(_ title: String) -> String {
        let utf8 = title.utf8
        let plain = !title.isEmpty
            && utf8.allSatisfy({ isASCIILetter($0) || isASCIIDigit($0) || $0 == UInt8(ascii: "_") })
            && !isASCIIDigit(utf8.first!)
            && parseCells(Substring(title)) == nil
            && !((utf8.first! | 0x20) == UInt8(ascii: "r") && utf8.dropFirst().first.map(isASCIIDigit) == true
                 && utf8.dropFirst().contains(UInt8(ascii: "C")))
        if plain { return title }
        guard utf8.contains(UInt8(ascii: "'")) else { return "'" + title + "'" }
        return "'" + title.replacingOccurrences(of: "'", with: "''") + "'"
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
    }

    private static func isASCIIDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// A concrete rectangle written the way Google writes ranges in responses:
    /// `Sheet1!A1:C3`, or `Sheet1!A1` for one cell. `sheet` is the title already quoted
    /// (`quotedTitle`; each `SheetGrid` keeps its own as `rangeTitle`).
    static func format(quotedTitle sheet: String, rows: Range<Int>, columns: Range<Int>) -> String {
        var text = sheet
        text.reserveCapacity(sheet.utf8.count + 24)
        text.append("!")
        text.append(columnLetters(columns.lowerBound))
        text.append(String(rows.lowerBound + 1))
        if rows.count == 1 && columns.count == 1 { return text }
        text.append(":")
        text.append(columnLetters(columns.upperBound - 1))
        text.append(String(rows.upperBound))
        return text
    }
}
