import MetroSupport

/// One request of `spreadsheets.batchUpdate`, read from its JSON and carried out on a
/// `Spreadsheet` (reference "spreadsheets/request", guide "Update spreadsheets").
///
/// The fake carries out the kinds that change a spreadsheet's structure: `addSheet`,
/// `deleteSheet`, `updateSheetProperties`, `updateSpreadsheetProperties`, `insertDimension`,
/// `deleteDimension`, `appendDimension`. A name that is not a request kind at all is Google's
/// 400 "Unknown name … at 'requests[i]'"; a kind Google has and the fake does not carry out is a
/// 400 that says so.
enum BatchUpdateRequest: Sendable {
    case addSheet(properties: [String: JSONValue])
    case deleteSheet(sheetID: Int)
    case updateSheetProperties(properties: [String: JSONValue], fields: FieldMask)
    case updateSpreadsheetProperties(properties: [String: JSONValue], fields: FieldMask)
    case insertDimension(DimensionRange)
    case deleteDimension(DimensionRange)
    case appendDimension(sheetID: Int, dimension: MajorDimension, length: Int)

    /// A `DimensionRange`: rows or columns `start..<end` of a sheet.
    struct DimensionRange: Sendable {
        var sheetID: Int
        var dimension: MajorDimension
        var start: Int
        var end: Int
    }

    /// Every request kind of the Sheets API v4 `Request` message.
    static let googleKinds: Set<String> = [
        "updateSpreadsheetProperties", "updateSheetProperties", "updateDimensionProperties", "updateNamedRange", "repeatCell",
        "addNamedRange", "deleteNamedRange", "addSheet", "deleteSheet", "autoFill", "cutPaste", "copyPaste", "mergeCells",
        "unmergeCells", "updateBorders", "updateCells", "addFilterView", "appendCells", "clearBasicFilter", "deleteDimension",
        "deleteEmbeddedObject", "deleteFilterView", "duplicateFilterView", "duplicateSheet", "findReplace", "insertDimension",
        "insertRange", "moveDimension", "updateEmbeddedObjectPosition", "pasteData", "textToColumns", "updateFilterView",
        "deleteRange", "appendDimension", "addConditionalFormatRule", "updateConditionalFormatRule", "deleteConditionalFormatRule",
        "sortRange", "setDataValidation", "setBasicFilter", "addProtectedRange", "updateProtectedRange", "deleteProtectedRange",
        "autoResizeDimensions", "addChart", "updateChartSpec", "updateBanding", "addBanding", "deleteBanding",
        "createDeveloperMetadata", "updateDeveloperMetadata", "deleteDeveloperMetadata", "randomizeRange", "addDimensionGroup",
        "deleteDimensionGroup", "updateDimensionGroup", "trimWhitespace", "deleteDuplicates", "updateEmbeddedObjectBorder",
        "addSlicer", "updateSlicerSpec", "addDataSource", "updateDataSource", "deleteDataSource", "refreshDataSource",
        "cancelDataSourceRefresh", "addTable", "updateTable", "deleteTable",
    ]

    /// Reads `requests[index]`.
    static func parse(_ json: JSONValue, index i: Int) throws(GoogleError) -> BatchUpdateRequest {
        let at = "requests[\(i)]"
        guard case .object(let object) = json else {
            throw GoogleError.invalidArgument("Invalid value at '\(at)' (type.googleapis.com/google.apps.sheets.v4.Request), \(json.excerpt)", field: at)
        }
        if let unknown = object.keys.sorted().first(where: { !googleKinds.contains($0) }) {
            throw unknownName(unknown, at: at)
        }
        guard object.count == 1, let (kind, value) = object.first else {
            throw GoogleError.invalidArgument("Invalid \(at): A request must have exactly one kind of request set.")
        }
        let path = "\(at).\(snakeCase(kind))"
        guard case .object(let body) = value else {
            throw GoogleError.invalidArgument("Invalid value at '\(path)' (type.googleapis.com/google.apps.sheets.v4.\(kind.prefix(1).uppercased() + kind.dropFirst())Request), \(value.excerpt)", field: path)
        }
        switch kind {
        case "addSheet":
            try checkFields(body, ["properties"], at: path)
            let properties = try message(body["properties"], at: "\(path).properties")
            try checkSheetProperties(properties, at: "\(path).properties")
            return .addSheet(properties: properties)
        case "deleteSheet":
            try checkFields(body, ["sheetId"], at: path)
            return .deleteSheet(sheetID: body["sheetId"]?.integer ?? 0)
        case "updateSheetProperties":
            try checkFields(body, ["properties", "fields"], at: path)
            let properties = try message(body["properties"], at: "\(path).properties")
            try checkSheetProperties(properties, at: "\(path).properties")
            return .updateSheetProperties(properties: properties,
                                          fields: try mask(body["fields"], kind: kind, at: at, schema: .sheetProperties))
        case "updateSpreadsheetProperties":
            try checkFields(body, ["properties", "fields"], at: path)
            let properties = try message(body["properties"], at: "\(path).properties")
            guard case .object(let known) = FieldSchema.spreadsheetProperties else { preconditionFailure("a message schema") }
            try checkFields(properties, Set(known.keys), at: "\(path).properties")
            return .updateSpreadsheetProperties(properties: properties,
                                                fields: try mask(body["fields"], kind: kind, at: at, schema: .spreadsheetProperties))
        case "insertDimension":
            try checkFields(body, ["range", "inheritFromBefore"], at: path)
            return .insertDimension(try dimensionRange(body["range"], at: "\(path).range"))
        case "deleteDimension":
            try checkFields(body, ["range"], at: path)
            return .deleteDimension(try dimensionRange(body["range"], at: "\(path).range"))
        case "appendDimension":
            try checkFields(body, ["sheetId", "dimension", "length"], at: path)
            return .appendDimension(sheetID: body["sheetId"]?.integer ?? 0,
                                    dimension: try dimension(body["dimension"], at: "\(path).dimension"),
                                    length: body["length"]?.integer ?? 0)
        default:
            throw GoogleError.invalidArgument("Invalid \(at): the fake Sheets server does not carry out \(kind) requests; it carries out addSheet, deleteSheet, updateSheetProperties, updateSpreadsheetProperties, insertDimension, deleteDimension and appendDimension.")
        }
    }

    /// Carries the request out on `spreadsheet`; returns its reply (`{}` for kinds without one).
    func apply(to spreadsheet: inout Spreadsheet, index i: Int, newSheetID: ([SheetGrid]) -> Int) throws(GoogleError) -> JSONValue {
        func invalid(_ kind: String, _ message: String) -> GoogleError {
            GoogleError.invalidArgument("Invalid requests[\(i)].\(kind): \(message)")
        }
        func sheet(_ sheetID: Int, _ kind: String) throws(GoogleError) -> Int {
            guard let index = spreadsheet.sheetIndex(id: sheetID) else { throw invalid(kind, "No sheet with id: \(sheetID)") }
            return index
        }
        switch self {
        case .addSheet(let properties):
            let title = properties["title"]?.stringValue ?? "Sheet\(spreadsheet.sheets.count + 1)"
            if spreadsheet.sheetIndex(titled: title) != nil {
                throw invalid("addSheet", "A sheet with the name \"\(title)\" already exists. Please enter another name.")
            }
            let sheetID = properties["sheetId"]?.integer ?? newSheetID(spreadsheet.sheets)
            if spreadsheet.sheetIndex(id: sheetID) != nil {
                throw invalid("addSheet", "Sheet with id \(sheetID) already exists.")
            }
            let grid = properties["gridProperties"]?.objectValue
            let rowCount = grid?["rowCount"]?.integer ?? SheetGrid.defaultRowCount
            let columnCount = grid?["columnCount"]?.integer ?? SheetGrid.defaultColumnCount
            guard rowCount >= 1, columnCount >= 1, rowCount * columnCount <= 10_000_000 else {
                throw invalid("addSheet", "grid size must be at least 1×1 and at most 10,000,000 cells.")
            }
            let position = min(max(properties["index"]?.integer ?? spreadsheet.sheets.count, 0), spreadsheet.sheets.count)
            spreadsheet.sheets.insert(SheetGrid(sheetID: sheetID, title: title, index: position, rowCount: rowCount, columnCount: columnCount),
                                      at: position)
            spreadsheet.renumberSheets()
            return .object(["addSheet": .object(["properties": spreadsheet.sheets[position].propertiesJSON])])

        case .deleteSheet(let sheetID):
            let index = try sheet(sheetID, "deleteSheet")
            guard spreadsheet.sheets.count > 1 else {
                throw invalid("deleteSheet", "You can't remove all the sheets in a document.")
            }
            spreadsheet.sheets.remove(at: index)
            spreadsheet.renumberSheets()
            return .object([:])

        case .updateSheetProperties(let properties, let fields):
            let index = try sheet(properties["sheetId"]?.integer ?? 0, "updateSheetProperties")
            var grid = spreadsheet.sheets[index]
            if fields.selects(["title"]), let title = properties["title"]?.stringValue {
                if let other = spreadsheet.sheetIndex(titled: title), other != index {
                    throw invalid("updateSheetProperties", "A sheet with the name \"\(title)\" already exists. Please enter another name.")
                }
                guard !title.isEmpty else { throw invalid("updateSheetProperties", "The sheet name cannot be empty.") }
                grid.title = title
            }
            let size = properties["gridProperties"]?.objectValue ?? [:]
            let rows = fields.selects(["gridProperties", "rowCount"]) ? size["rowCount"]?.integer ?? grid.rowCount : grid.rowCount
            let columns = fields.selects(["gridProperties", "columnCount"]) ? size["columnCount"]?.integer ?? grid.columnCount : grid.columnCount
            guard rows >= 1, columns >= 1 else {
                throw invalid("updateSheetProperties", "A sheet must have at least one row and one column; asked for \(rows) rows and \(columns) columns.")
            }
            if rows != grid.rowCount || columns != grid.columnCount { grid.resize(rowCount: rows, columnCount: columns) }
            spreadsheet.sheets[index] = grid
            if fields.selects(["index"]), let position = properties["index"]?.integer {
                let moved = spreadsheet.sheets.remove(at: index)
                spreadsheet.sheets.insert(moved, at: min(max(position, 0), spreadsheet.sheets.count))
                spreadsheet.renumberSheets()
            }
            return .object([:])

        case .updateSpreadsheetProperties(let properties, let fields):
            if fields.selects(["title"]), let title = properties["title"]?.stringValue { spreadsheet.title = title }
            if fields.selects(["timeZone"]), let timeZone = properties["timeZone"]?.stringValue { spreadsheet.timeZone = timeZone }
            return .object([:])

        case .insertDimension(let range):
            let index = try sheet(range.sheetID, "insertDimension")
            let limit = range.dimension == .rows ? spreadsheet.sheets[index].rowCount : spreadsheet.sheets[index].columnCount
            guard range.start >= 0, range.start < range.end else {
                throw invalid("insertDimension", "range.startIndex (\(range.start)) must be less than range.endIndex (\(range.end)).")
            }
            guard range.start <= limit else {
                throw invalid("insertDimension", "range.startIndex (\(range.start)) must be at most the sheet's \(range.dimension == .rows ? "row" : "column") count (\(limit)).")
            }
            if range.dimension == .rows {
                spreadsheet.sheets[index].insertRows(at: range.start, count: range.end - range.start)
            } else {
                spreadsheet.sheets[index].insertColumns(at: range.start, count: range.end - range.start)
            }
            return .object([:])

        case .deleteDimension(let range):
            let index = try sheet(range.sheetID, "deleteDimension")
            let isRows = range.dimension == .rows
            let limit = isRows ? spreadsheet.sheets[index].rowCount : spreadsheet.sheets[index].columnCount
            guard range.start >= 0, range.start < range.end, range.end <= limit else {
                throw invalid("deleteDimension", "Invalid range: \(isRows ? "rows" : "columns") \(range.start)..<\(range.end) are not all on the sheet, which has \(limit).")
            }
            guard range.end - range.start < limit else {
                throw invalid("deleteDimension", "You can't delete all the \(isRows ? "rows" : "columns") on the sheet.")
            }
            if isRows {
                spreadsheet.sheets[index].deleteRows(range.start..<range.end)
            } else {
                spreadsheet.sheets[index].deleteColumns(range.start..<range.end)
            }
            return .object([:])

        case .appendDimension(let sheetID, let dimension, let length):
            let index = try sheet(sheetID, "appendDimension")
            guard length >= 1 else { throw invalid("appendDimension", "length must be at least 1, got \(length).") }
            if dimension == .rows {
                spreadsheet.sheets[index].rowCount += length
            } else {
                spreadsheet.sheets[index].columnCount += length
            }
            return .object([:])
        }
    }

    // MARK: Reading the JSON

    /// Google's answer to a field name its message does not have.
    static func unknownName(_ name: String, at path: String) -> GoogleError {
        GoogleError.invalidArgument("Invalid JSON payload received. Unknown name \"\(name)\" at '\(path)': Cannot find field.", field: path)
    }

    /// `camelCase` as Google writes field paths in errors (`update_sheet_properties`).
    static func snakeCase(_ name: String) -> String {
        var out = ""
        for character in name {
            if character.isUppercase {
                out.append("_")
                out.append(contentsOf: character.lowercased())
            } else {
                out.append(character)
            }
        }
        return out
    }

    private static func checkFields(_ object: [String: JSONValue], _ known: Set<String>, at path: String) throws(GoogleError) {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) { throw unknownName(unknown, at: path) }
    }

    private static func checkSheetProperties(_ properties: [String: JSONValue], at path: String) throws(GoogleError) {
        guard case .object(let known) = FieldSchema.sheetProperties, case .object(let grid) = FieldSchema.gridProperties else {
            preconditionFailure("message schemas")
        }
        try checkFields(properties, Set(known.keys), at: path)
        if let size = properties["gridProperties"]?.objectValue {
            try checkFields(size, Set(grid.keys), at: "\(path).grid_properties")
        }
    }

    private static func message(_ value: JSONValue?, at path: String) throws(GoogleError) -> [String: JSONValue] {
        guard let value, value != .null else { return [:] }
        guard case .object(let object) = value else {
            throw GoogleError.invalidArgument("Invalid value at '\(path)', \(value.excerpt)", field: path)
        }
        return object
    }

    private static func mask(_ value: JSONValue?, kind: String, at: String, schema: FieldSchema) throws(GoogleError) -> FieldMask {
        guard let text = value?.stringValue, !text.isEmpty else {
            throw GoogleError.invalidArgument("Invalid \(at).\(kind): At least one field must be specified in 'fields'.")
        }
        guard let mask = FieldMask.parse(text) else {
            throw GoogleError.invalidArgument("Invalid \(at).\(kind): Invalid field mask: \"\(text)\".")
        }
        if let unknown = mask.unknownPath(in: schema) {
            throw GoogleError.invalidArgument("Invalid \(at).\(kind): Invalid field mask: the field \"\(unknown)\" does not exist.")
        }
        return mask
    }

    private static func dimension(_ value: JSONValue?, at path: String) throws(GoogleError) -> MajorDimension {
        guard let value, value != .null else {
            throw GoogleError.invalidArgument("Invalid \(path): dimension must be ROWS or COLUMNS, and was not set.")
        }
        guard let text = value.stringValue, let dimension = MajorDimension(rawValue: text) else {
            throw GoogleError.invalidArgument("Invalid value at '\(path)' (type.googleapis.com/google.apps.sheets.v4.Dimension), \(value.excerpt)", field: path)
        }
        return dimension
    }

    private static func dimensionRange(_ value: JSONValue?, at path: String) throws(GoogleError) -> DimensionRange {
        let range = try message(value, at: path)
        try checkFields(range, ["sheetId", "dimension", "startIndex", "endIndex"], at: path)
        let dimension = try dimension(range["dimension"], at: "\(path).dimension")
        guard let start = range["startIndex"]?.integer, let end = range["endIndex"]?.integer else {
            throw GoogleError.invalidArgument("Invalid \(path): startIndex and endIndex are both required.")
        }
        return DimensionRange(sheetID: range["sheetId"]?.integer ?? 0, dimension: dimension, start: start, end: end)
    }
}

extension Spreadsheet {
    /// Sets each sheet's `index` to its position in `sheets`.
    mutating func renumberSheets() {
        for k in sheets.indices { sheets[k].index = k }
    }
}
