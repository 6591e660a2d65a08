import MetroSupport

/// A spreadsheet held by the fake: its id, title, sheets in tab order and who may use it.
struct Spreadsheet: Sendable {
    var id: String
    var title: String
    /// `properties.timeZone`; Google's default for a spreadsheet created by the API. Kept in
    /// memory only (the database does not store it).
    var timeZone = "Etc/GMT"
    var sheets: [SheetGrid]
    /// Service-account emails the spreadsheet is shared with; `nil` = every account the fake issued.
    var sharedWith: Set<String>?

    /// The index in `sheets` of the sheet with id `sheetID`.
    func sheetIndex(id sheetID: Int) -> Int? {
        sheets.firstIndex { $0.sheetID == sheetID }
    }

    func sheetIndex(titled title: String) -> Int? {
        sheets.firstIndex { $0.title == title }
    }

    /// Resolves the sheet a range refers to: a named sheet, a bare name that is a sheet title,
    /// else the first sheet for cells written without a sheet name. `nil` when none matches.
    func resolve(_ range: A1Range) -> (index: Int, range: A1Range)? {
        guard let title = range.sheetTitle else { return sheets.isEmpty ? nil : (0, range) }
        if let index = sheetIndex(titled: title) {
            if range.bareName { return (index, A1Range.wholeSheet(title)) }
            return (index, range)
        }
        if range.bareName, !sheets.isEmpty {
            var cells = range
            cells.sheetTitle = nil
            cells.bareName = false
            return (0, cells)
        }
        return nil
    }
}
