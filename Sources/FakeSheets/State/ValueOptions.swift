import MetroSupport

/// `valueInputOption`: how input values are interpreted.
enum ValueInputOption: String, Sendable {
    case raw = "RAW"
    case userEntered = "USER_ENTERED"

    /// What a request value asks of its cell: `null` keeps it, `""` empties it, anything else
    /// is stored as this option reads it.
    func cell(_ json: JSONValue) -> CellWrite {
        if json == .null { return .keep }
        let value = self == .raw ? CellValue.raw(json) : CellValue.userEntered(json)
        return value.map(CellWrite.set) ?? .clear
    }
}

/// `insertDataOption` of `values.append`.
enum InsertDataOption: String, Sendable {
    case overwrite = "OVERWRITE"
    case insertRows = "INSERT_ROWS"
}

/// `valueRenderOption` of reads.
enum ValueRenderOption: String, Sendable {
    case formattedValue = "FORMATTED_VALUE"
    case unformattedValue = "UNFORMATTED_VALUE"
    case formula = "FORMULA"

    func render(_ cell: CellValue?) -> JSONValue {
        guard let cell else { return .string("") }
        return self == .formattedValue ? .string(cell.formatted) : cell.unformatted
    }
}

/// `majorDimension`.
enum MajorDimension: String, Sendable {
    case rows = "ROWS"
    case columns = "COLUMNS"
}

/// The body of `values.update` / `values.append` (a `ValueRange`).
struct ValueRangeInput: Sendable {
    var range: String?
    var majorDimension: MajorDimension
    var values: [[JSONValue]]

    /// The values laid out row by row.
    var rowMajor: [[JSONValue]] {
        guard majorDimension == .columns else { return values }
        let height = values.lazy.map { $0.count }.max() ?? 0
        return (0..<height).map { r in values.map { r < $0.count ? $0[r] : .null } }
    }
}

/// Options shared by the write operations.
struct WriteOptions: Sendable {
    var valueInputOption: ValueInputOption
    var insertDataOption: InsertDataOption = .overwrite
    var includeValuesInResponse = false
    var responseValueRenderOption: ValueRenderOption = .formattedValue
}

/// A write request read and validated off the state actor: its options and its body.
struct PreparedWrite: Sendable {
    var options: WriteOptions
    var input: ValueRangeInput
}

/// The answer of a write (`SheetsState.write`).
enum WriteResponse: Sendable {
    case append(AppendValuesResponse)
    case update(UpdateValuesResponse)
}
