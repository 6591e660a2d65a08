/// Where the outbox sends attendance rows: the Google Sheet, through `SheetsClient`.
///
/// The outbox worker depends on this protocol rather than on the HTTP client so that the store and
/// the conversation do not import the networking layer; tests use the real `SheetsClient` against
/// the fake Sheets server.
public protocol SheetRowAppending: Sendable {
    /// Appends `rows` to the end of the attendance sheet, in order, and returns once Sheets
    /// confirmed the append. Throws when the append failed or its outcome is unknown (timeout).
    func appendRows(_ rows: [[String]]) async throws

    /// The row keys (the `update_id` column) already present in the attendance sheet among
    /// `candidates`, used after an uncertain append so that a row confirmed by Sheets but still in
    /// the outbox is not appended twice.
    func existingRowKeys(among candidates: Set<Int64>) async throws -> Set<Int64>
}
