import Foundation
import MetroSupport

/// Everything a fake Sheets server knows — service accounts, access tokens, spreadsheets, fault
/// rules, the call journal and quota windows — behind one actor, so that the HTTP routes and the
/// Swift API see the same state and each operation is atomic (a failed append writes nothing).
actor SheetsState {
    let configuration: FakeSheets.Configuration
    /// The SQLite file behind the state, when `Configuration.databasePath` is set.
    let database: SheetsDatabase?
    private var random: SeededGenerator

    private var accounts: [ServiceAccount] = []
    private var accountsByEmail: [String: ServiceAccount] = [:]
    private var tokens: [String: AccessToken] = [:]
    /// Every spreadsheet, by id.
    var spreadsheets: [String: Spreadsheet] = [:]
    private var faults = FaultBook<SheetsFaultMatch>()
    private var journal: [SheetsCall] = []
    private var journalOffset = 0
    /// Ids of the calls held right now by a delay/timeout fault (so `heldCalls` need not scan the journal).
    private var heldIDs: Set<Int> = []
    private var quotaMeter: QuotaMeter?

    struct AccessToken: Sendable {
        var clientEmail: String
        var scopes: Set<String>
        var expiresAt: Date
    }

    init(configuration: FakeSheets.Configuration) throws {
        self.configuration = configuration
        random = SeededGenerator(seed: configuration.seed)
        quotaMeter = configuration.quotas.map(QuotaMeter.init)
        if let path = configuration.databasePath {
            let database = try SheetsDatabase(path: path)
            self.database = database
            accounts = try database.loadAccounts()
            for account in accounts { accountsByEmail[account.clientEmail] = account }
            for spreadsheet in try database.loadSpreadsheets() { spreadsheets[spreadsheet.id] = spreadsheet }
        } else {
            database = nil
        }
    }

    // MARK: Service accounts and tokens

    /// The first issued service account, generated on first use.
    func defaultAccount() throws -> ServiceAccount {
        if let first = accounts.first { return first }
        return try issueAccount()
    }

    /// Generates and keeps a new service account.
    func issueAccount() throws -> ServiceAccount {
        let pem = accounts.isEmpty ? configuration.serviceAccountKeyPEM : nil
        let account = try ServiceAccount.generate(ordinal: accounts.count + 1, pem: pem, random: &random)
        try database?.saveAccount(account, ordinal: accounts.count + 1)
        accounts.append(account)
        accountsByEmail[account.clientEmail] = account
        return account
    }

    /// Verifies a `jwt-bearer` assertion and issues an access token.
    func exchange(assertion: String, tokenURL: String) throws(OAuthError) -> (token: String, expiresIn: Int) {
        let now = Date()
        let (claims, account) = try JWTAssertion.verify(
            assertion, accounts: accountsByEmail,
            audiences: [tokenURL, JWTAssertion.googleTokenAudience], now: Int(now.timeIntervalSince1970))
        let token = "ya29.fake-" + (0..<4).map { _ in String(random.next(), radix: 36) }.joined()
        let lifetime = configuration.tokenLifetime
        let seconds = Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18
        tokens[token] = AccessToken(
            clientEmail: account.clientEmail,
            scopes: Set((claims.scope ?? "").split(separator: " ").map(String.init)),
            expiresAt: now.addingTimeInterval(seconds))
        return (token, Int(seconds.rounded(.down)))
    }

    /// Makes every issued access token expired (clients must fetch a new one).
    func expireTokens() {
        let past = Date(timeIntervalSince1970: 0)
        for key in tokens.keys { tokens[key]?.expiresAt = past }
    }

    static let writeScopes: Set<String> = [
        "https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive",
        "https://www.googleapis.com/auth/drive.file",
    ]
    static let readScopes: Set<String> = writeScopes.union([
        "https://www.googleapis.com/auth/spreadsheets.readonly", "https://www.googleapis.com/auth/drive.readonly",
    ])

    /// The account behind a bearer token, checked as Google checks it: no credentials → 403,
    /// unknown or expired token → 401, scopes not covering the operation → 403, quota → 429.
    func authorize(bearer: String?, isWrite: Bool, method: String) throws(GoogleError) -> ServiceAccount {
        guard let bearer, !bearer.isEmpty else { throw GoogleError.missingCredentials }
        guard let token = tokens[bearer] else { throw GoogleError.unauthenticated(expired: false, method: method) }
        guard token.expiresAt > Date() else {
            throw GoogleError.unauthenticated(expired: true, method: method)
        }
        guard !token.scopes.isDisjoint(with: isWrite ? SheetsState.writeScopes : SheetsState.readScopes) else {
            throw GoogleError.insufficientScopes(method: method)
        }
        guard let account = accountsByEmail[token.clientEmail] else { throw GoogleError.unauthenticated(expired: false, method: method) }
        try quotaMeter?.admit(account: account, isWrite: isWrite)
        return account
    }

    // MARK: Journal and faults

    func beginCall(operation: String, method: String, path: String, spreadsheetID: String?, range: String?) -> Int {
        let id = journalOffset + journal.count + 1
        journal.append(SheetsCall(id: id, at: Date(), details: SheetsCallDetails(
            operation: operation, method: method, path: path, spreadsheetID: spreadsheetID, range: range)))
        return id
    }

    /// Journals a request and draws its fault in one step (one actor hop on the hot path).
    func beginCall(_ operation: SheetsFaultMatch.Operation, method: String, path: String, spreadsheetID: String?,
                   range: String?) -> (id: Int, fault: SheetsFaultRule?) {
        let id = beginCall(operation: operation.rawValue, method: method, path: path, spreadsheetID: spreadsheetID, range: range)
        return (id, faults.isEmpty ? nil : fire(operation: operation, callID: id)?.rule)
    }

    func finishCall(_ id: Int, status: Int?) {
        let index = id - journalOffset - 1
        guard journal.indices.contains(index) else { return }
        journal[index].status = status
        journal[index].held = false
        journal[index].finished = true
        heldIDs.remove(id)
    }

    func setHeld(_ id: Int, _ held: Bool) {
        let index = id - journalOffset - 1
        guard journal.indices.contains(index) else { return }
        journal[index].held = held
        if held { heldIDs.insert(id) } else { heldIDs.remove(id) }
    }

    /// The first rule that fires for this request (counters advance on every match); the journal
    /// entry `callID` names it.
    func fire(operation: SheetsFaultMatch.Operation, callID: Int) -> (id: String, rule: SheetsFaultRule)? {
        guard let fault = faults.fire(for: operation, using: &random) else { return nil }
        let journalIndex = callID - journalOffset - 1
        if journal.indices.contains(journalIndex) { journal[journalIndex].faultID = fault.id }
        return (fault.id, fault.rule)
    }

    func addFault(_ rule: SheetsFaultRule) throws(FaultRuleError) -> String {
        try faults.add(rule)
    }

    /// Removes one rule, or all when `id` is `nil`. Returns whether anything was removed.
    @discardableResult
    func removeFaults(id: String?) -> Bool {
        faults.remove(id: id)
    }

    func faultList() -> [(id: String, rule: SheetsFaultRule)] { faults.entries.map { ($0.id, $0.rule) } }

    func calls(operation: String? = nil) -> [SheetsCall] {
        guard let operation else { return journal }
        return journal.filter { $0.operation == operation }
    }

    func heldCalls() -> [SheetsCall] {
        heldIDs.sorted().compactMap { id in
            let index = id - journalOffset - 1
            return journal.indices.contains(index) ? journal[index] : nil
        }
    }

    /// Forgets spreadsheets, faults, the journal and quota windows; accounts and tokens stay valid.
    func reset() throws {
        spreadsheets.removeAll()
        faults.remove(id: nil)
        journalOffset += journal.count
        journal.removeAll()
        heldIDs.removeAll()
        quotaMeter = configuration.quotas.map(QuotaMeter.init)
        try database?.deleteSpreadsheets()
    }

    // MARK: Spreadsheets (control)

    func createSpreadsheet(id: String?, title: String?, sheets: [String], sharedWith: Set<String>?) throws -> String {
        let id = id ?? SheetsState.spreadsheetID(&random)
        guard spreadsheets[id] == nil else { throw ControlError(status: 409, "spreadsheet \(id) already exists; choose another spreadsheetId or reset the fake") }
        guard !sheets.isEmpty else { throw ControlError(status: 400, "a spreadsheet needs at least one sheet") }
        guard Set(sheets).count == sheets.count else { throw ControlError(status: 400, "sheet titles must be unique, got \(sheets)") }
        guard sheets.allSatisfy({ !$0.isEmpty && $0.count <= 100 }) else { throw ControlError(status: 400, "sheet titles must be 1…100 characters") }
        var grids: [SheetGrid] = []
        for (index, title) in sheets.enumerated() {
            let sheetID = index == 0 ? 0 : nextSheetID(existing: grids)
            grids.append(SheetGrid(sheetID: sheetID, title: title, index: index,
                                   rowCount: SheetGrid.defaultRowCount, columnCount: SheetGrid.defaultColumnCount))
        }
        let spreadsheet = Spreadsheet(id: id, title: title ?? "Fake spreadsheet \(id.prefix(8))", sheets: grids, sharedWith: sharedWith)
        try database?.saveSpreadsheet(spreadsheet)
        spreadsheets[id] = spreadsheet
        return id
    }

    static func spreadsheetID(_ random: inout SeededGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return "1" + String((0..<43).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
    }

    func nextSheetID(existing: [SheetGrid]) -> Int {
        while true {
            let candidate = Int(random.next() % 2_000_000_000) + 1
            if !existing.contains(where: { $0.sheetID == candidate }) { return candidate }
        }
    }

    /// The formatted values of a whole sheet, as `rows(spreadsheetID:sheet:)` returns them.
    func rows(spreadsheetID: String, sheet: String) throws -> [[String]] {
        guard let spreadsheet = spreadsheets[spreadsheetID] else { throw ControlError(status: 404, "no spreadsheet \(spreadsheetID)") }
        guard let index = spreadsheet.sheetIndex(titled: sheet) else {
            throw ControlError(status: 404, "spreadsheet \(spreadsheetID) has no sheet \"\(sheet)\"; it has \(spreadsheet.sheets.map(\.title))")
        }
        let grid = spreadsheet.sheets[index]
        var out = grid.rows.map { row in row.map { $0?.formatted ?? "" } }
        while let last = out.last, last.isEmpty { out.removeLast() }
        return out
    }

    // MARK: Sheets API operations

    /// The spreadsheet `id`, if `account` may use it.
    func spreadsheet(_ id: String, for account: ServiceAccount) throws(GoogleError) -> Spreadsheet {
        guard let spreadsheet = spreadsheets[id] else { throw GoogleError.notFound }
        if let shared = spreadsheet.sharedWith, !shared.contains(account.clientEmail) { throw GoogleError.notShared }
        return spreadsheet
    }

    /// The sheet index and range `text` names in `spreadsheet`.
    func resolve(_ text: String, in spreadsheet: Spreadsheet) throws(GoogleError) -> (Int, A1Range) {
        guard let parsed = A1Range.parse(text), let resolved = spreadsheet.resolve(parsed) else {
            throw GoogleError.unableToParseRange(text)
        }
        return (resolved.index, resolved.range)
    }

    /// `spreadsheets.get`.
    func getSpreadsheet(_ id: String, account: ServiceAccount, baseURL: String, fields: FieldMask? = nil) throws(GoogleError) -> JSONValue {
        let spreadsheet = try spreadsheet(id, for: account)
        let answer = JSONValue.object([
            "spreadsheetId": .string(spreadsheet.id),
            "properties": .object([
                "title": .string(spreadsheet.title), "locale": .string("en_US"), "autoRecalc": .string("ON_CHANGE"),
                "timeZone": .string(spreadsheet.timeZone),
            ]),
            "sheets": .array(spreadsheet.sheets.map { .object(["properties": $0.propertiesJSON]) }),
            "spreadsheetUrl": .string("\(baseURL)/spreadsheets/d/\(spreadsheet.id)/edit"),
        ])
        return fields?.apply(to: answer) ?? answer
    }

    /// `spreadsheets.values.get` (and each range of `batchGet`).
    func getValues(_ id: String, range text: String, dimension: MajorDimension, render: ValueRenderOption,
                   account: ServiceAccount) throws(GoogleError) -> JSONValue {
        let spreadsheet = try spreadsheet(id, for: account)
        return try valueRange(spreadsheet, text, dimension: dimension, render: render)
    }

    func batchGetValues(_ id: String, ranges: [String], dimension: MajorDimension, render: ValueRenderOption,
                        account: ServiceAccount) throws(GoogleError) -> JSONValue {
        let spreadsheet = try spreadsheet(id, for: account)
        var valueRanges: [JSONValue] = []
        for text in ranges {
            valueRanges.append(try valueRange(spreadsheet, text, dimension: dimension, render: render))
        }
        var out: [String: JSONValue] = ["spreadsheetId": .string(id)]
        if !valueRanges.isEmpty { out["valueRanges"] = .array(valueRanges) }
        return .object(out)
    }

    private func valueRange(_ spreadsheet: Spreadsheet, _ text: String, dimension: MajorDimension,
                            render: ValueRenderOption) throws(GoogleError) -> JSONValue {
        let (index, range) = try resolve(text, in: spreadsheet)
        let grid = spreadsheet.sheets[index]
        guard let rect = grid.clampedForRead(range) else {
            let (r0, c0) = (range.startRow ?? 0, range.startColumn ?? 0)
            throw GoogleError.exceedsGridLimits(grid, rows: r0..<(r0 + 1), columns: c0..<(c0 + 1))
        }
        let cells = dimension == .rows ? grid.values(in: rect) : grid.columnValues(in: rect)
        var out: [String: JSONValue] = [
            "range": .string(grid.a1Range(rows: rect.rows, columns: rect.columns)),
            "majorDimension": .string(dimension.rawValue),
        ]
        if !cells.isEmpty { out["values"] = .array(cells.map { .array($0.map(render.render)) }) }
        return .object(out)
    }

    /// Converts request values to cells, rejecting nested arrays/objects as Google does.
    func cells(_ input: ValueRangeInput, option: ValueInputOption) throws(GoogleError) -> [[CellWrite]] {
        let rows = input.rowMajor
        var out: [[CellWrite]] = []
        out.reserveCapacity(rows.count)
        for (r, row) in rows.enumerated() {
            var line: [CellWrite] = []
            line.reserveCapacity(row.count)
            for (c, value) in row.enumerated() {
                switch value {
                case .array, .object:
                    throw GoogleError.invalidArgument(
                        "Invalid values[\(r)][\(c)]: \(value == .array([]) ? "list_value" : "struct_value") {\n}\n",
                        field: "data.values[\(r)][\(c)]")
                default: line.append(option.cell(value))
                }
            }
            out.append(line)
        }
        return out
    }

    /// The sheet index and resolved range a request addresses, checked for access. Returns plain
    /// values so that no copy of the spreadsheet outlives the lookup (the grid is then mutated in
    /// place, without copying its rows).
    func locate(_ id: String, _ text: String, account: ServiceAccount) throws(GoogleError) -> (Int, A1Range) {
        let spreadsheet = try spreadsheet(id, for: account)
        return try resolve(text, in: spreadsheet)
    }

    /// `values.update` or `values.append` in one step: authorizes `bearer`, then answers the
    /// request's own errors (`prepared`), then writes, and records the answer's status in the
    /// journal (`finishCall`) — so that a write costs one trip to the actor.
    func write(_ operation: SheetsFaultMatch.Operation, spreadsheetID id: String, range: String, bearer: String?, method: String,
               prepared: Result<PreparedWrite, GoogleError>, callID: Int) -> Result<WriteResponse, GoogleError> {
        let result = Result { () throws(GoogleError) -> WriteResponse in
            let account = try authorize(bearer: bearer, isWrite: true, method: method)
            let write = try prepared.get()
            if operation == .append {
                return .append(try append(id, range: range, input: write.input, options: write.options, account: account))
            }
            return .update(try update(id, range: range, input: write.input, options: write.options, account: account))
        }
        switch result {
        case .success: finishCall(callID, status: 200)
        case .failure(let error): finishCall(callID, status: error.code)
        }
        return result
    }

    /// `spreadsheets.values.update`.
    func update(_ id: String, range text: String, input: ValueRangeInput, options: WriteOptions,
                account: ServiceAccount) throws(GoogleError) -> UpdateValuesResponse {
        let (index, range) = try locate(id, text, account: account)
        let values = try cells(input, option: options.valueInputOption)
        return try writeValues(values, spreadsheetID: id, sheet: index, range: range, text: text, options: options).answer
    }

    /// Writes `values` at `range` of sheet `index` as `values.update` and each range of
    /// `values.batchUpdate` do: within the range's explicit end and within the grid.
    func writeValues(_ values: [[CellWrite]], spreadsheetID id: String, sheet index: Int, range: A1Range, text: String,
                     options: WriteOptions) throws(GoogleError) -> (answer: UpdateValuesResponse, written: WrittenCells?) {
        let r0 = range.startRow ?? 0
        let c0 = range.startColumn ?? 0
        let height = values.count
        let width = values.lazy.map { $0.count }.max() ?? 0
        if !range.isSingleCell {
            if let endRow = range.endRow, r0 + height > endRow {
                throw GoogleError.invalidArgument("Requested writing within range [\(text)], but tried writing to row [\(r0 + height)]")
            }
            if let endColumn = range.endColumn, c0 + width > endColumn {
                throw GoogleError.invalidArgument("Requested writing within range [\(text)], but tried writing to column [\(A1Range.columnLetters(c0 + width - 1))]")
            }
        }
        let grid = spreadsheets[id]!.sheets[index]
        if r0 >= grid.rowCount || c0 >= grid.columnCount {
            throw GoogleError.exceedsGridLimits(grid, rows: r0..<(r0 + 1), columns: c0..<(c0 + 1))
        }
        if height > 0, width > 0, r0 + height > grid.rowCount || c0 + width > grid.columnCount {
            throw GoogleError.exceedsGridLimits(grid, rows: r0..<(r0 + height), columns: c0..<(c0 + width))
        }
        guard let written = WrittenCells(values, row: r0, column: c0) else {
            return (UpdateValuesResponse(spreadsheetId: id, updatedRange: grid.a1Range(rows: r0..<(r0 + 1), columns: c0..<(c0 + 1))), nil)
        }
        // Keeping the old grid costs a copy of its rows, so only when a database write can fail.
        let before = database == nil ? nil : grid
        spreadsheets[id]!.sheets[index].write(values, row: r0, column: c0)
        do {
            try persist(id, sheet: spreadsheets[id]!.sheets[index], rows: r0..<(r0 + height))
        } catch {
            if let before { spreadsheets[id]!.sheets[index] = before }
            throw error
        }
        return (updateSummary(grid: spreadsheets[id]!.sheets[index], written: written, options: options, id: id), written)
    }

    /// `spreadsheets.values.append`: finds the table (`TableDetection.swift`), writes below it,
    /// and grows the grid when the values reach past it, as Google does ("adding data to the end
    /// of the sheet will still insert new rows or columns so the data can be written").
    func append(_ id: String, range text: String, input: ValueRangeInput, options: WriteOptions,
                account: ServiceAccount) throws(GoogleError) -> AppendValuesResponse {
        let (index, range) = try locate(id, text, account: account)
        let values = try cells(input, option: options.valueInputOption)
        let table = spreadsheets[id]!.sheets[index].appendTable(for: range)
        let startRow = table.map { $0.rows.upperBound } ?? (range.startRow ?? 0)
        let startColumn = table.map { $0.columns.lowerBound } ?? (range.startColumn ?? 0)
        let height = values.count
        let width = values.lazy.map { $0.count }.max() ?? 0
        var out = AppendValuesResponse(spreadsheetId: id, updates: UpdateValuesResponse(spreadsheetId: id))
        if let table {
            out.tableRange = spreadsheets[id]!.sheets[index].a1Range(rows: table.rows, columns: table.columns)
        }
        guard height > 0, width > 0, let written = WrittenCells(values, row: startRow, column: startColumn) else { return out }
        let rowCountBefore = spreadsheets[id]!.sheets[index].rowCount
        let columnCountBefore = spreadsheets[id]!.sheets[index].columnCount
        let storedBefore = spreadsheets[id]!.sheets[index].rows.count
        if options.insertDataOption == .insertRows {
            spreadsheets[id]!.sheets[index].insertRows(at: startRow, count: height)
        }
        spreadsheets[id]!.sheets[index].grow(rowCount: startRow + height, columnCount: startColumn + width)
        spreadsheets[id]!.sheets[index].write(values, row: startRow, column: startColumn)
        let changed = options.insertDataOption == .insertRows ? startRow..<Int.max : startRow..<(startRow + height)
        do {
            try persist(id, sheet: spreadsheets[id]!.sheets[index], rows: changed)
        } catch {
            // Nothing is kept when the row could not be stored: undo the common case (rows added
            // at the end); other shapes are rare enough to reload from the database.
            if storedBefore <= startRow && options.insertDataOption == .overwrite {
                spreadsheets[id]!.sheets[index].rows.removeLast(spreadsheets[id]!.sheets[index].rows.count - storedBefore)
                spreadsheets[id]!.sheets[index].rowCount = rowCountBefore
                spreadsheets[id]!.sheets[index].columnCount = columnCountBefore
                spreadsheets[id]!.sheets[index].forgetTables()
            }
            throw error
        }
        out.updates = updateSummary(grid: spreadsheets[id]!.sheets[index], written: written, options: options, id: id)
        return out
    }

    func updateSummary(grid: SheetGrid, written: WrittenCells, options: WriteOptions, id: String) -> UpdateValuesResponse {
        let range = grid.a1Range(rows: written.bounds.rows, columns: written.bounds.columns)
        var out = UpdateValuesResponse(spreadsheetId: id, updatedRange: range, updatedRows: written.rowCount,
                                       updatedColumns: written.columnCount, updatedCells: written.cellCount)
        if options.includeValuesInResponse {
            let stored = grid.values(in: written.bounds)
            out.updatedData = ValueRange(range: range, majorDimension: MajorDimension.rows.rawValue,
                                         values: stored.isEmpty ? nil : stored.map { $0.map(options.responseValueRenderOption.render) })
        }
        return out
    }

    /// `spreadsheets.batchUpdate`: every request is read first, then all are carried out on a
    /// copy of the spreadsheet, which is kept only when every one succeeded (Google: "If any
    /// request is not valid, no requests will be applied").
    func batchUpdate(_ id: String, requests: [JSONValue], account: ServiceAccount) throws(GoogleError) -> JSONValue {
        var spreadsheet = try spreadsheet(id, for: account)
        var parsed: [BatchUpdateRequest] = []
        for (i, request) in requests.enumerated() {
            parsed.append(try BatchUpdateRequest.parse(request, index: i))
        }
        var replies: [JSONValue] = []
        for (i, request) in parsed.enumerated() {
            replies.append(try request.apply(to: &spreadsheet, index: i, newSheetID: { existing in nextSheetID(existing: existing) }))
        }
        if !requests.isEmpty {
            do { try database?.saveSpreadsheet(spreadsheet) } catch { throw GoogleError.standard(code: 500) }
        }
        spreadsheets[id] = spreadsheet
        return .object(["spreadsheetId": .string(id), "replies": .array(replies)])
    }

    func persist(_ spreadsheetID: String, sheet: SheetGrid, rows: Range<Int>) throws(GoogleError) {
        guard let database else { return }
        do {
            try database.saveSheet(spreadsheetID: spreadsheetID, sheet: sheet, rows: rows)
        } catch {
            throw GoogleError(code: 500, message: "Internal error encountered.", status: "INTERNAL")
        }
    }
}

/// A control-API request that cannot be done: answered `{"error": "…"}` with `status`.
struct ControlError: Error, Sendable, CustomStringConvertible {
    var status: Int
    var description: String
    init(status: Int, _ description: String) {
        self.status = status
        self.description = description
    }
}
