import MetroSupport

/// A field mask as Google reads one, both the `fields` system parameter of a read
/// (`sheets.properties,spreadsheetId`) and the `fields` of an update request
/// (`gridProperties.rowCount,title`): comma-separated paths whose segments are joined by `.` or
/// `/`, a sub-selection in parentheses (`sheets(properties(title,sheetId))`), and `*` for every
/// field (guide "Update spreadsheets", section "Field masks").
struct FieldMask: Sendable, Equatable {
    /// Each selected path, as its segments; `["*"]` selects everything.
    var paths: [[String]]

    /// Parses `text`; `nil` when it is not a field mask (an empty segment, a space, an unclosed
    /// parenthesis, a character outside names).
    static func parse(_ text: String) -> FieldMask? {
        var parser = Parser(characters: Array(text))
        guard let paths = parser.list(prefix: []), parser.position == parser.characters.count, !paths.isEmpty else { return nil }
        return FieldMask(paths: paths)
    }

    /// Whether every field is selected (`*`).
    var selectsAll: Bool { paths.contains(["*"]) }

    /// Whether `path` is selected: it, or a field that holds it, is in the mask.
    func selects(_ path: [String]) -> Bool {
        selectsAll || paths.contains { mask in mask.count <= path.count && Array(path.prefix(mask.count)) == mask }
    }

    /// The first path that `schema` does not have, written with dots; `nil` when all are known.
    func unknownPath(in schema: FieldSchema) -> String? {
        for path in paths where path != ["*"] {
            var node = schema
            for segment in path {
                guard case .object(let fields) = node, let next = fields[segment] else { return path.joined(separator: ".") }
                node = next
            }
        }
        return nil
    }

    /// `json` with only the selected fields; arrays keep their elements, each masked the same way.
    func apply(to json: JSONValue) -> JSONValue {
        selectsAll ? json : FieldMask.keep(json, paths: paths)
    }

    private static func keep(_ json: JSONValue, paths: [[String]]) -> JSONValue {
        if paths.contains(where: \.isEmpty) { return json }
        switch json {
        case .array(let elements):
            return .array(elements.map { keep($0, paths: paths) })
        case .object(let object):
            var out: [String: JSONValue] = [:]
            for (key, value) in object {
                let below = paths.filter { $0.first == key }.map { Array($0.dropFirst()) }
                if !below.isEmpty { out[key] = keep(value, paths: below) }
            }
            return .object(out)
        default:
            return json
        }
    }

    /// Recursive descent over `list := item ("," item)*`, `item := name (("." | "/") name)* ["(" list ")"]`.
    private struct Parser {
        var characters: [Character]
        var position = 0

        mutating func list(prefix: [String]) -> [[String]]? {
            var out: [[String]] = []
            repeat {
                guard let item = item(prefix: prefix) else { return nil }
                out.append(contentsOf: item)
            } while consume(",")
            return out
        }

        mutating func item(prefix: [String]) -> [[String]]? {
            var path = prefix
            repeat {
                guard let name = name() else { return nil }
                path.append(name)
            } while consume(".") || consume("/")
            if consume("(") {
                guard let inner = list(prefix: path), consume(")") else { return nil }
                return inner
            }
            return [path]
        }

        mutating func name() -> String? {
            if consume("*") { return "*" }
            let start = position
            while position < characters.count, characters[position].isLetter || characters[position].isNumber || characters[position] == "_" {
                position += 1
            }
            return position > start ? String(characters[start..<position]) : nil
        }

        mutating func consume(_ character: Character) -> Bool {
            guard position < characters.count, characters[position] == character else { return false }
            position += 1
            return true
        }
    }
}

/// The fields a resource has, for checking a `FieldMask` against it.
indirect enum FieldSchema: Sendable {
    /// A field without sub-fields (or whose sub-fields the fake does not check).
    case leaf
    /// A message and its fields.
    case object([String: FieldSchema])

    /// `GridProperties`.
    static let gridProperties = FieldSchema.object(Dictionary(uniqueKeysWithValues: [
        "rowCount", "columnCount", "frozenRowCount", "frozenColumnCount", "hideGridlines", "rowGroupControlAfter",
        "columnGroupControlAfter",
    ].map { ($0, FieldSchema.leaf) }))

    /// `SheetProperties`.
    static let sheetProperties = FieldSchema.object([
        "sheetId": .leaf, "title": .leaf, "index": .leaf, "sheetType": .leaf, "gridProperties": gridProperties,
        "hidden": .leaf, "tabColor": .leaf, "tabColorStyle": .leaf, "rightToLeft": .leaf, "dataSourceSheetProperties": .leaf,
    ])

    /// `SpreadsheetProperties`.
    static let spreadsheetProperties = FieldSchema.object(Dictionary(uniqueKeysWithValues: [
        "title", "locale", "autoRecalc", "timeZone", "defaultFormat", "iterativeCalculationSettings", "spreadsheetTheme",
        "importFunctionsExternalUrlAccessAllowed",
    ].map { ($0, FieldSchema.leaf) }))

    /// `Spreadsheet`, as `spreadsheets.get` answers it.
    static let spreadsheet = FieldSchema.object([
        "spreadsheetId": .leaf, "properties": spreadsheetProperties, "spreadsheetUrl": .leaf, "namedRanges": .leaf,
        "developerMetadata": .leaf, "dataSources": .leaf, "dataSourceSchedules": .leaf,
        "sheets": .object([
            "properties": sheetProperties, "data": .leaf, "merges": .leaf, "conditionalFormats": .leaf, "filterViews": .leaf,
            "protectedRanges": .leaf, "basicFilter": .leaf, "charts": .leaf, "bandedRanges": .leaf, "developerMetadata": .leaf,
            "rowGroups": .leaf, "columnGroups": .leaf, "slicers": .leaf, "tables": .leaf,
        ]),
    ])
}
