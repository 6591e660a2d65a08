import MetroSupport

/// How `values.append` finds the "table" it appends to, following Google's guide "Read & write
/// cell values", section "Append values"
/// (developers.google.com/workspace/sheets/api/guides/values#append_values):
///
/// - A **table** is a block of data surrounded by empty cells: the smallest rectangle around a
///   non-empty cell whose ring of neighbouring cells (diagonal neighbours included) is empty.
///   It is found by growing a rectangle from that cell while any cell of its ring holds a value.
///   Row 1 = `["x", "", "y"]` holds two tables, `A1` and `C1`, because `B1` between them is empty.
/// - **A single-cell range** (`A1`, `B4`) appends to the table that holds the cell; an empty cell
///   is in no table, and the values are written at the cell itself (Google: "E4 would start
///   writing at E4, because it's not in any table. (A4 would also start writing at A4 for the
///   same reasons.)", although A4 touches the table B4:D6).
/// - **Any other range** (`Sheet1`, `A:J`, `B2:D4`) appends to the *last* table in it: the table
///   that holds the range's last non-empty cell (its bottom-most row with data, rightmost cell
///   within the range). The table may reach outside the range (`B2:D4` → the table `B4:D6`).
///   A range without data has no table; the values are written at its top-left cell.
/// - Values go to the row below the table, from the table's first column; `tableRange` names
///   the table.
///
/// Tables are recomputed only when needed: `KnownTable` keeps the last one found and follows
/// rows appended right below it, so a sheet that only grows by appends answers in constant time.
extension SheetGrid {
    /// A cell of the grid, zero-based.
    struct Cell: Equatable, Sendable {
        var row: Int
        var column: Int
    }

    /// The table `values.append` appends to for `range` (already resolved to this sheet), or
    /// `nil` when the range holds no table. Remembers what it found in `knownTable`.
    mutating func appendTable(for range: A1Range) -> Rectangle? {
        guard let seed = tableSeed(in: range) else { return nil }
        let table = table(around: seed)
        if var known = knownTable, known.table == table {
            known.remember(seed)
            knownTable = known
        } else {
            knownTable = KnownTable(seeds: [seed], table: table)
        }
        return table
    }

    /// Forgets the remembered table; for code that changes `rows` directly.
    mutating func forgetTables() {
        knownTable = nil
    }

    /// The cell whose table `values.append` uses: the cell itself for a single-cell range, else
    /// the last non-empty cell of the range; `nil` when there is none.
    func tableSeed(in range: A1Range) -> Cell? {
        let r0 = range.startRow ?? 0
        let c0 = range.startColumn ?? 0
        if range.isSingleCell {
            return cell(r0, c0) == nil ? nil : Cell(row: r0, column: c0)
        }
        let columnEnd = range.endColumn ?? Int.max
        var r = min(range.endRow ?? rows.count, rows.count) - 1
        while r >= r0 {
            let stored = rows[r]
            var c = min(columnEnd, stored.count) - 1
            while c >= c0 {
                if stored[c] != nil { return Cell(row: r, column: c) }
                c -= 1
            }
            r -= 1
        }
        return nil
    }

    /// The table that holds `seed` (a non-empty cell): the smallest rectangle around it whose
    /// ring, diagonals included, is empty.
    ///
    /// The rectangle grows in greedy phases (rows up and down as far as they go, then columns
    /// left and right), which costs one pass over the table. When one of the remembered table's
    /// seeds comes inside the growing rectangle, the answer is the remembered table: it is the
    /// smallest empty-ringed rectangle around that seed, and every empty-ringed rectangle that
    /// holds a cell holds that cell's whole table.
    func table(around seed: Cell) -> Rectangle {
        var top = seed.row, bottom = seed.row + 1, left = seed.column, right = seed.column + 1
        let known = knownTable.flatMap { known in
            known.table.rows.contains(seed.row) && known.table.columns.contains(seed.column) ? known : nil
        }
        func holdsKnownSeed() -> Bool {
            guard let known else { return false }
            return known.seeds.contains { (top..<bottom).contains($0.row) && (left..<right).contains($0.column) }
        }
        if let known, holdsKnownSeed() { return known.table }
        var grew = true
        while grew {
            grew = false
            while top > 0, rowHasData(top - 1, in: max(left - 1, 0)..<(right + 1)) {
                top -= 1
                grew = true
                if let known, holdsKnownSeed() { return known.table }
            }
            while rowHasData(bottom, in: max(left - 1, 0)..<(right + 1)) {
                bottom += 1
                grew = true
                if let known, holdsKnownSeed() { return known.table }
            }
            while left > 0, columnHasData(left - 1, in: max(top - 1, 0)..<(bottom + 1)) {
                left -= 1
                grew = true
                if let known, holdsKnownSeed() { return known.table }
            }
            while columnHasData(right, in: max(top - 1, 0)..<(bottom + 1)) {
                right += 1
                grew = true
                if let known, holdsKnownSeed() { return known.table }
            }
        }
        return Rectangle(rows: top..<bottom, columns: left..<right)
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

    /// Whether any cell of column `c` within `rowRange` holds a value.
    func columnHasData(_ c: Int, in rowRange: Range<Int>) -> Bool {
        let end = min(rowRange.upperBound, rows.count)
        guard rowRange.lowerBound < end else { return false }
        for r in rowRange.lowerBound..<end where c < rows[r].count && rows[r][c] != nil { return true }
        return false
    }
}

/// A table `values.append` found, with the cells it was found from (a few, so that appends to
/// `A1` and to `A:J` of the same sheet both find it at once).
struct KnownTable: Sendable, Equatable {
    /// Cells whose table is `table`, most recent last; at most `seedLimit`.
    var seeds: [SheetGrid.Cell]
    var table: SheetGrid.Rectangle

    static let seedLimit = 4

    /// Adds `seed` to the cells known to lead to `table`.
    mutating func remember(_ seed: SheetGrid.Cell) {
        seeds.removeAll { $0 == seed }
        seeds.append(seed)
        if seeds.count > KnownTable.seedLimit { seeds.removeFirst() }
    }

    /// The table after a write of `values` at (`row`, `column`), when that write only adds rows
    /// right below it: `nil` when the write may have changed the table in another way.
    ///
    /// Rows written directly below the table's last row, which is the sheet's last stored row,
    /// each with a value within the table's columns and none in the columns just left and right
    /// of it (values further out belong to other tables), keep the table's ring empty; the rectangle grown by those rows is then the table of each old seed (growing from
    /// it reaches the old table, whose ring row below now holds values, and then every new row)
    /// and of every new cell that reaches an old seed (see `SheetGrid.table(around:)`).
    func extended(byRowsAt row: Int, column: Int, _ values: [[CellWrite]], storedRowCount: Int) -> KnownTable? {
        guard row == storedRowCount, table.rows.upperBound == storedRowCount, !values.isEmpty else { return nil }
        for line in values {
            var hasValue = false
            for (j, cell) in line.enumerated() {
                guard case .set = cell else { continue }
                let c = column + j
                if table.columns.contains(c) {
                    hasValue = true
                } else if c == table.columns.lowerBound - 1 || c == table.columns.upperBound {
                    return nil  // a value in the table's ring: the table may grow sideways
                }
            }
            guard hasValue else { return nil }
        }
        var grown = self
        grown.table.rows = table.rows.lowerBound..<(row + values.count)
        return grown
    }
}
