import MetroSupport

/// Which cells a write touched, as Google counts them in `UpdateValuesResponse`: `null` cells
/// are not written, so they count in none of `updatedCells`, `updatedRows`, `updatedColumns`;
/// `updatedRange` is the rectangle around the written cells.
struct WrittenCells: Sendable, Equatable {
    /// The rectangle around every written cell.
    var bounds: SheetGrid.Rectangle
    /// Rows holding at least one written cell (zero-based, on the sheet).
    var rows: Set<Int>
    /// Columns holding at least one written cell (zero-based, on the sheet).
    var columns: Set<Int>
    var rowCount: Int { rows.count }
    var columnCount: Int { columns.count }
    /// Written cells (everything but `null`).
    var cellCount: Int

    /// Counts `values` written with its top-left at (`row`, `column`); `nil` when every cell is `null`.
    init?(_ values: [[CellWrite]], row: Int, column: Int) {
        var rows = Set<Int>()
        var cells = 0
        var columns = Set<Int>()
        var firstRow = Int.max, lastRow = -1, firstColumn = Int.max, lastColumn = -1
        for (i, line) in values.enumerated() {
            var rowWritten = false
            for (j, cell) in line.enumerated() where cell.writes {
                rowWritten = true
                cells += 1
                columns.insert(column + j)
                firstColumn = min(firstColumn, j)
                lastColumn = max(lastColumn, j)
            }
            if rowWritten {
                rows.insert(row + i)
                firstRow = min(firstRow, i)
                lastRow = max(lastRow, i)
            }
        }
        guard cells > 0 else { return nil }
        bounds = SheetGrid.Rectangle(rows: (row + firstRow)..<(row + lastRow + 1),
                                     columns: (column + firstColumn)..<(column + lastColumn + 1))
        self.rows = rows
        self.columns = columns
        cellCount = cells
    }
}
