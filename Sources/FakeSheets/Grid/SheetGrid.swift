/// One sheet (tab) of a spreadsheet: its properties and its cells.
///
/// Rows are stored densely up to the last non-empty row, each row trimmed of trailing empty
/// cells, so memory follows the data rather than the grid size (1000 × 26 by default).
struct SheetGrid: Sendable {
    /// Google's default grid size for a new sheet.
    static let defaultRowCount = 1000
    static let defaultColumnCount = 26

    var sheetID: Int
    let title: String
    /// `title` as a range in an answer writes it (`A1Range.quotedTitle`), kept beside the title
    /// because every write's answer names a range on this sheet.
    let rangeTitle: String
    var index: Int
    var rowCount: Int
    var columnCount: Int
    var rows: [[CellValue?]] = []
    /// Cached facts about `rows` that let `detectTable` answer in O(1) for the common case (a
    /// table from row 1 with no gaps); `nil` after a write that may have invalidated them.
    private(set) var summary: Summary?

    struct Summary: Equatable {
        /// Stored rows with no value at all.
        var emptyRows: Int
        /// The widest stored row.
        var maxWidth: Int
        /// The leftmost column holding a value in any row (`Int.max` when none).
        var minFirstColumn: Int
    }

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

    /// Computes `summary` if a write invalidated it.
    mutating func prepareSummary() {
        guard summary == nil else { return }
        var result = Summary(emptyRows: 0, maxWidth: 0, minFirstColumn: .max)
        for row in rows {
            if row.isEmpty { result.emptyRows += 1; continue }
            result.maxWidth = max(result.maxWidth, row.count)
            if let first = row.firstIndex(where: { $0 != nil }) { result.minFirstColumn = min(result.minFirstColumn, first) }
        }
        summary = result
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

    /// Writes `values` (row-major) with its top-left at (`row`, `column`), growing the grid when
    /// the data reaches past it. `nil` cells in the input leave the stored cell unchanged, as the
    /// API does for `null`.
    mutating func write(_ values: [[CellValue?]], row: Int, column: Int, nullsClear: Bool) {
        // Rows added past the end keep the summary exact; anything else recomputes it lazily.
        let appendsAtEnd = row == rows.count && values.allSatisfy { line in line.contains { $0 != nil } }
        if appendsAtEnd, var summary {
            for line in values {
                summary.maxWidth = max(summary.maxWidth, column + line.count)
                if let first = line.firstIndex(where: { $0 != nil }) { summary.minFirstColumn = min(summary.minFirstColumn, column + first) }
            }
            self.summary = summary
        } else {
            summary = nil
        }
        for (i, line) in values.enumerated() {
            let r = row + i
            if r >= rows.count {
                if line.allSatisfy({ $0 == nil }) { continue }
                rows.append(contentsOf: Array(repeating: [], count: r - rows.count + 1))
            }
            var stored = rows[r]
            // Grown once to its final width: appending cell by cell doubled the capacity (16 slots
            // for a 10-cell row), which was a third of the memory per stored cell.
            if stored.count < column + line.count { stored.reserveCapacity(column + line.count) }
            for (j, value) in line.enumerated() {
                let c = column + j
                if value == nil && !nullsClear { continue }
                if c >= stored.count {
                    if value == nil { continue }
                    stored.append(contentsOf: Array(repeating: nil, count: c - stored.count + 1))
                }
                stored[c] = value
            }
            while let last = stored.last, last == nil { stored.removeLast() }
            rows[r] = stored
        }
        while let last = rows.last, last.isEmpty { rows.removeLast() }
        let width = values.lazy.map { $0.count }.max() ?? 0
        rowCount = max(rowCount, row + values.count)
        columnCount = max(columnCount, column + width)
    }

    /// Inserts `count` empty rows before `row` (`insertDataOption=INSERT_ROWS`); the grid grows.
    mutating func insertRows(at row: Int, count: Int) {
        if row < rows.count { summary = nil }
        if row < rows.count {
            rows.insert(contentsOf: Array(repeating: [], count: count), at: row)
        }
        rowCount += count
    }

    /// Whether any cell of row `r` within `columns` holds a value.
    func rowHasData(_ r: Int, in columns: Range<Int>) -> Bool {
        guard r < rows.count else { return false }
        let stored = rows[r]
        let end = min(columns.upperBound, stored.count)
        guard columns.lowerBound < end else { return false }
        for c in columns.lowerBound..<end where stored[c] != nil { return true }
        return false
    }

    /// The table `values.append` appends to, as Google documents it: the first run of consecutive
    /// non-empty rows found in the searched range (from its first row down), spanning the columns
    /// that hold data in those rows. `nil` when the searched range holds no data.
    ///
    /// A single-cell range (`A1`) or a range with an open end searches to the right edge of the grid.
    func detectTable(in range: A1Range) -> Rectangle? {
        let r0 = range.startRow ?? 0
        let c0 = range.startColumn ?? 0
        let searchColumnsEnd = (range.isSingleCell ? nil : range.endColumn) ?? max(columnCount, c0 + 1)
        let columns = c0..<max(searchColumnsEnd, c0 + 1)
        // Fast path: the search starts at the top-left, covers every stored column, and no stored
        // row is empty: the table is every stored row.
        if r0 == 0, c0 == 0, let summary, summary.emptyRows == 0, !rows.isEmpty, columns.upperBound >= summary.maxWidth {
            return Rectangle(rows: 0..<rows.count, columns: summary.minFirstColumn..<summary.maxWidth)
        }
        let rowLimit = min(range.isSingleCell ? rows.count : (range.endRow ?? rows.count), rows.count)
        var first: Int?
        var r = r0
        while r < rowLimit {
            if rowHasData(r, in: columns) { first = r; break }
            r += 1
        }
        guard let top = first else { return nil }
        var bottom = top
        while bottom + 1 < rows.count, rowHasData(bottom + 1, in: columns) { bottom += 1 }
        var minColumn = Int.max
        var maxColumn = -1
        for row in top...bottom {
            let stored = rows[row]
            for c in columns.lowerBound..<min(columns.upperBound, stored.count) where stored[c] != nil {
                minColumn = min(minColumn, c)
                maxColumn = max(maxColumn, c)
            }
        }
        return Rectangle(rows: top..<(bottom + 1), columns: minColumn..<(maxColumn + 1))
    }

    /// The `sheets[].properties` object of `spreadsheets.get` and `addSheet` replies.
    var propertiesJSON: JSONValue {
        .object([
            "sheetId": .int(sheetID),
            "title": .string(title),
            "index": .int(index),
            "sheetType": .string("GRID"),
            "gridProperties": .object(["rowCount": .int(rowCount), "columnCount": .int(columnCount)]),
        ])
    }
}
