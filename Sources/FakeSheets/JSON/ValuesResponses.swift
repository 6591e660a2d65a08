import MetroSupport

/// The answers of `values.update` and `values.append` as Google defines them
/// (`UpdateValuesResponse`, `AppendValuesResponse`, `ValueRange`), typed because their shape is
/// fixed: encoding a struct with `JSONEncoder` costs a fraction of encoding the same answer as a
/// generic `JSONValue` tree of dictionaries, and these answers are on the fake's hot path.
///
/// Optional properties that are `nil` are left out of the JSON, as Google leaves out unset fields.
/// Keys are written sorted (`HTTPMessages.encoder`), as every answer of the fake is.
struct UpdateValuesResponse: Encodable, Sendable, Equatable {
    var spreadsheetId: String
    var updatedRange: String?
    var updatedRows: Int?
    var updatedColumns: Int?
    var updatedCells: Int?
    /// Only with `includeValuesInResponse=true`.
    var updatedData: ValueRange?
}

/// The answer of `values.append`.
struct AppendValuesResponse: Encodable, Sendable, Equatable {
    var spreadsheetId: String
    /// The table the values were appended to; absent when the searched range held no data.
    var tableRange: String?
    var updates: UpdateValuesResponse
}

/// A `ValueRange` as answers carry it (`updatedData`): `values` is absent when every cell is empty.
struct ValueRange: Encodable, Sendable, Equatable {
    var range: String
    var majorDimension: String
    var values: [[JSONValue]]?
}

/// The answer of `values.clear`.
struct ClearValuesResponse: Encodable, Sendable, Equatable {
    var spreadsheetId: String
    /// The range cleared, clamped to the grid (`Sheet1!A1:Z1000` for `Sheet1`).
    var clearedRange: String
}

/// The answer of `values.batchClear`.
struct BatchClearValuesResponse: Encodable, Sendable, Equatable {
    var spreadsheetId: String
    /// Each range cleared, in the order asked; absent when none was asked.
    var clearedRanges: [String]?
}

/// The answer of `values.batchUpdate`: totals over every range, then one
/// `UpdateValuesResponse` per range.
struct BatchUpdateValuesResponse: Encodable, Sendable, Equatable {
    var spreadsheetId: String
    var totalUpdatedRows: Int?
    var totalUpdatedColumns: Int?
    var totalUpdatedCells: Int?
    var totalUpdatedSheets: Int?
    var responses: [UpdateValuesResponse]?
}
