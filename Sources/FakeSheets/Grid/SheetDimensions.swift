import MetroSupport

/// Rows and columns added, removed or resized by `spreadsheets.batchUpdate`
/// (`insertDimension`, `deleteDimension`, `appendDimension`, `updateSheetProperties`): the cells
/// move with their rows and columns, as in the Sheets UI.
extension SheetGrid {
    /// Inserts `count` empty columns before `column`; the grid grows.
    mutating func insertColumns(at column: Int, count: Int) {
        knownTable = nil
        for r in rows.indices where rows[r].count > column {
            rows[r].insert(contentsOf: Array(repeating: nil, count: count), at: column)
        }
        columnCount += count
    }

    /// Removes the rows `range` (within the grid) and their cells; the grid shrinks.
    mutating func deleteRows(_ range: Range<Int>) {
        knownTable = nil
        let stored = range.clamped(to: 0..<rows.count)
        if !stored.isEmpty { rows.removeSubrange(stored) }
        while let last = rows.last, last.isEmpty { rows.removeLast() }
        rowCount -= range.count
    }

    /// Removes the columns `range` (within the grid) and their cells; the grid shrinks.
    mutating func deleteColumns(_ range: Range<Int>) {
        knownTable = nil
        for r in rows.indices {
            let stored = range.clamped(to: 0..<rows[r].count)
            if !stored.isEmpty { rows[r].removeSubrange(stored) }
            while let last = rows[r].last, last == nil { rows[r].removeLast() }
        }
        while let last = rows.last, last.isEmpty { rows.removeLast() }
        columnCount -= range.count
    }

    /// Sets the grid size; cells outside the new size are dropped.
    mutating func resize(rowCount newRows: Int, columnCount newColumns: Int) {
        if newRows < rowCount { deleteRows(newRows..<rowCount) }
        if newColumns < columnCount { deleteColumns(newColumns..<columnCount) }
        rowCount = newRows
        columnCount = newColumns
    }
}
