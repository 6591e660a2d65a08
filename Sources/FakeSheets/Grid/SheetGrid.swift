import MetroSupport

/// One sheet (tab) of a spreadsheet: its properties and its cells.
///
/// Rows are stored densely up to the last non-empty row, each row trimmed of trailing empty
/// cells, so memory follows the data rather than the grid size (1000 × 26 by default).
struct SheetGrid: Sendable {
    /// Google's default grid size for a new sheet.
    static let defaultRowCount = 1000
    static let defaultColumnCount = 26

    var sheetID: Int
    /// The sheet's name; setting it also sets `rangeTitle`.
    var title: String {
        didSet { rangeTitle = A1Range.quotedTitle(title) }
    }
    /// `title` as a range in an answer writes it (`A1Range.quotedTitle`), kept beside the title
    /// because every write's answer names a range on this sheet.
    private(set) var rangeTitle: String
    var index: Int
    var rowCount: Int
    var columnCount: Int
    /// The cells, row by row. Code that changes them other than through this type's methods
    /// must call `forgetTables()`.
    var rows: [[CellValue?]] = []
    /// The last table `values.append` found and the cell it was found from, kept so that the
    /// next append below it is found in constant time (`TableDetection.swift`); `nil` after a
    /// write that may have changed it.
    var knownTable: KnownTable?

    init(sheetID: Int, title: String, index: Int, rowCount: Int, columnCount: Int) {
        self.sheetID = sheetID
        self.title = title
        self.rangeTitle = A1Range.quotedTitle(title)
        self.index = index
        self.rowCount = rowCount
        self.columnCount = columnCount
    }

    /// `rows` × `columns` of this sheet in A1 notation, as answers write a range.
    func a1Range(rows: Range<Int>, columns: Range<Int>) -> String {
        A1Range.format(quotedTitle: rangeTitle, rows: rows, columns: columns)
    }

    /// A concrete rectangle of this sheet, clamped to the grid (open bounds reach its edge).
    struct Rectangle: Equatable {
        var rows: Range<Int>
        var columns: Range<Int>
    }

    /// The rectangle a range names for a read, clamped to the grid; `nil` when the range starts
    /// outside the grid (Google answers "exceeds grid limits").
    func clampedForRead(_ range: A1Range) -> Rectangle? {
        let r0 = range.startRow ?? 0
        let c0 = range.startColumn ?? 0
        guard r0 < rowCount, c0 < columnCount else { return nil }
        let r1 = min(range.endRow ?? rowCount, rowCount)
        let c1 = min(range.endColumn ?? columnCount, columnCount)
        return Rectangle(rows: r0..<r1, columns: c0..<c1)
    }

    func cell(_ row: Int, _ column: Int) -> CellValue? {
        guard row < rows.count else { return nil }
        let cells = rows[row]
        guard column < cells.count else { return nil }
        return cells[column]
    }

    /// The cells of `rect` row by row, trailing empty cells and trailing empty rows trimmed as the
    /// API trims them (`[]` when all empty).
    func values(in rect: Rectangle) -> [[CellValue?]] {
        var out: [[CellValue?]] = []
        let lastRow = min(rect.rows.upperBound, rows.count)
        guard rect.rows.lowerBound < lastRow else { return [] }
        for r in rect.rows.lowerBound..<lastRow {
            let stored = rows[r]
            let end = min(rect.columns.upperBound, stored.count)
            var row: [CellValue?] = rect.columns.lowerBound < end ? Array(stored[rect.columns.lowerBound..<end]) : []
            while let last = row.last, last == nil { row.removeLast() }
            out.append(row)
        }
        while let last = out.last, last.isEmpty { out.removeLast() }
        return out
    }

    /// The same cells column by column (`majorDimension=COLUMNS`), trimmed the same way.
    func columnValues(in rect: Rectangle) -> [[CellValue?]] {
        var out: [[CellValue?]] = []
        for c in rect.columns {
            var column: [CellValue?] = []
            for r in rect.rows.lowerBound..<min(rect.rows.upperBound, rows.count) {
                column.append(cell(r, c))
            }
            while let last = column.last, last == nil { column.removeLast() }
            out.append(column)
        }
        while let last = out.last, last.isEmpty { out.removeLast() }
        return out
    }

    /// Writes `values` (row-major) with its top-left at (`row`, `column`): `null` cells keep
    /// their value, `""` empties a cell. The caller has checked (or grown) the grid so that the
    /// values fit.
    mutating func write(_ values: [[CellWrite]], row: Int, column: Int) {
        let extendedTable = knownTable?.extended(byRowsAt: row, column: column, values, storedRowCount: rows.count)
        for (i, line) in values.enumerated() {
            let r = row + i
            if r >= rows.count {
                if !line.contains(where: { if case .set = $0 { true } else { false } }) { continue }
                rows.append(contentsOf: Array(repeating: [], count: r - rows.count + 1))
            }
            var stored = rows[r]
            // Grown once to its final width: appending cell by cell doubled the capacity (16 slots
            // for a 10-cell row), which was a third of the memory per stored cell.
            if stored.count < column + line.count { stored.reserveCapacity(column + line.count) }
            for (j, write) in line.enumerated() {
                let c = column + j
                if c >= stored.count {
                    guard case .set = write else { continue }
                    stored.append(contentsOf: Array(repeating: nil, count: c - stored.count + 1))
                }
                stored[c] = write.applied(to: stored[c])
            }
            while let last = stored.last, last == nil { stored.removeLast() }
            rows[r] = stored
        }
        while let last = rows.last, last.isEmpty { rows.removeLast() }
        knownTable = extendedTable
    }

    /// Empties every cell of `rect`.
    mutating func clear(_ rect: Rectangle) {
        knownTable = nil
        let lastRow = min(rect.rows.upperBound, rows.count)
        guard rect.rows.lowerBound < lastRow else { return }
        for r in rect.rows.lowerBound..<lastRow {
            var stored = rows[r]
            let end = min(rect.columns.upperBound, stored.count)
            guard rect.columns.lowerBound < end else { continue }
            for c in rect.columns.lowerBound..<end { stored[c] = nil }
            while let last = stored.last, last == nil { stored.removeLast() }
            rows[r] = stored
        }
        while let last = rows.last, last.isEmpty { rows.removeLast() }
    }

    /// Grows the grid to at least `rowCount` × `columnCount` (never shrinks it).
    mutating func grow(rowCount rows: Int, columnCount columns: Int) {
        rowCount = max(rowCount, rows)
        columnCount = max(columnCount, columns)
    }

    /// Inserts `count` empty rows before `row` (`insertDataOption=INSERT_ROWS`); the grid grows.
    mutating func insertRows(at row: Int, count: Int) {
        if row < rows.count {
            knownTable = nil
            rows.insert(contentsOf: Array(repeating: [], count: count), at: row)
        }
        rowCount += count
    }

    /// The `sheets[].properties` object of `spreadsheets.get` and `addSheet` replies.
    var propertiesJSON: JSONValue {
        .object([
            "sheetId": .integer(sheetID),
            "title": .string(title),
            "index": .integer(index),
            "sheetType": .string("GRID"),
            "gridProperties": .object(["rowCount": .integer(rowCount), "columnCount": .integer(columnCount)]),
        ])
    }
}
