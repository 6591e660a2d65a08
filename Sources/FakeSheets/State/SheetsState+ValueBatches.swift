import MetroSupport

/// `values.clear`, `values.batchClear` and `values.batchUpdate` (reference
/// "spreadsheets.values"): each all or nothing, like the single-range calls.
extension SheetsState {
    /// `spreadsheets.values.clear`: empties the range's cells (formatting, which the fake does
    /// not keep, would stay) and answers the range cleared, clamped to the grid.
    func clearValues(_ id: String, range text: String, account: ServiceAccount) throws(GoogleError) -> ClearValuesResponse {
        let answer = try batchClearValues(id, ranges: [text], account: account)
        return ClearValuesResponse(spreadsheetId: id, clearedRange: answer.clearedRanges?.first ?? "")
    }

    /// `spreadsheets.values.batchClear`: every range is checked before any is cleared.
    func batchClearValues(_ id: String, ranges: [String], account: ServiceAccount) throws(GoogleError) -> BatchClearValuesResponse {
        let spreadsheet = try spreadsheet(id, for: account)
        var targets: [(sheet: Int, rect: SheetGrid.Rectangle)] = []
        for text in ranges {
            let (index, range) = try resolve(text, in: spreadsheet)
            let grid = spreadsheet.sheets[index]
            guard let rect = grid.clampedForRead(range) else {
                let (r0, c0) = (range.startRow ?? 0, range.startColumn ?? 0)
                throw GoogleError.exceedsGridLimits(grid, rows: r0..<(r0 + 1), columns: c0..<(c0 + 1))
            }
            targets.append((index, rect))
        }
        var cleared: [String] = []
        var changed = spreadsheet
        for target in targets {
            changed.sheets[target.sheet].clear(target.rect)
            cleared.append(changed.sheets[target.sheet].a1Range(rows: target.rect.rows, columns: target.rect.columns))
        }
        if !targets.isEmpty {
            do { try database?.saveSpreadsheet(changed) } catch { throw GoogleError.standard(code: 500) }
        }
        spreadsheets[id] = changed
        return BatchClearValuesResponse(spreadsheetId: id, clearedRanges: cleared.isEmpty ? nil : cleared)
    }

    /// `spreadsheets.values.batchUpdate`: each `ValueRange` written as `values.update` writes
    /// it; when one fails, none is kept.
    func batchUpdateValues(_ id: String, data: [ValueRangeInput], options: WriteOptions,
                           account: ServiceAccount) throws(GoogleError) -> BatchUpdateValuesResponse {
        let before = try spreadsheet(id, for: account)
        var responses: [UpdateValuesResponse] = []
        // Google's totals count each row and column once per sheet, however many ranges wrote to
        // it (its "Write multiple ranges" sample: A1:A4 and B1:D2 → 4 rows, 4 columns).
        var rowsBySheet: [Int: Set<Int>] = [:]
        var columnsBySheet: [Int: Set<Int>] = [:]
        do throws(GoogleError) {
            for (i, input) in data.enumerated() {
                guard let text = input.range else {
                    throw GoogleError.invalidArgument("Invalid data[\(i)]: the ValueRange has no range.")
                }
                let (index, range) = try resolve(text, in: spreadsheets[id]!)
                let values = try cells(input, option: options.valueInputOption)
                let (answer, written) = try writeValues(values, spreadsheetID: id, sheet: index, range: range, text: text, options: options)
                if let written {
                    rowsBySheet[index, default: []].formUnion(written.rows)
                    columnsBySheet[index, default: []].formUnion(written.columns)
                }
                responses.append(answer)
            }
        } catch {
            spreadsheets[id] = before
            if database != nil, !responses.isEmpty { try? database?.saveSpreadsheet(before) }
            throw error
        }
        var out = BatchUpdateValuesResponse(spreadsheetId: id)
        if !responses.isEmpty {
            out.responses = responses
            out.totalUpdatedRows = rowsBySheet.values.reduce(0) { $0 + $1.count }
            out.totalUpdatedColumns = columnsBySheet.values.reduce(0) { $0 + $1.count }
            out.totalUpdatedCells = responses.reduce(0) { $0 + ($1.updatedCells ?? 0) }
            out.totalUpdatedSheets = rowsBySheet.count
        }
        return out
    }
}
