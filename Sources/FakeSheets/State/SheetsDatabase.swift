import Foundation
import GRDB
import MetroSupport

/// The optional SQLite file behind a fake (`Configuration.databasePath`): issued service accounts,
/// spreadsheets, sheets and rows, written through on every change so that a developer's fake
/// spreadsheet survives restarts. Access tokens are not stored (clients fetch a new one).
final class SheetsDatabase: Sendable {
    private let writer: any DatabaseWriter

    /// Opens (creating if needed) and migrates the file at `path`.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        writer = try DatabasePool(path: path, configuration: configuration)
        try SheetsDatabase.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "serviceAccount") { t in
                t.primaryKey("keyID", .text)
                t.column("ordinal", .integer).notNull().unique()
                t.column("clientEmail", .text).notNull().unique()
                t.column("clientID", .text).notNull()
                t.column("projectID", .text).notNull()
                t.column("projectNumber", .text).notNull()
                t.column("privateKeyPEM", .text).notNull()
            }
            try db.create(table: "spreadsheet") { t in
                t.primaryKey("id", .text)
                t.column("title", .text).notNull()
                t.column("sharedWith", .text)  // JSON array of emails; NULL = every issued account
            }
            try db.create(table: "sheet") { t in
                t.column("spreadsheetID", .text).notNull().references("spreadsheet", onDelete: .cascade)
                t.column("sheetID", .integer).notNull()
                t.column("title", .text).notNull()
                t.column("position", .integer).notNull()
                t.column("rowCount", .integer).notNull().check { $0 >= 1 }
                t.column("columnCount", .integer).notNull().check { $0 >= 1 }
                t.primaryKey(["spreadsheetID", "sheetID"])
                t.uniqueKey(["spreadsheetID", "title"])
            }
            try db.create(table: "sheetRow") { t in
                t.column("spreadsheetID", .text).notNull()
                t.column("sheetID", .integer).notNull()
                t.column("rowIndex", .integer).notNull().check { $0 >= 0 }
                t.column("cells", .text).notNull()  // JSON array: string, number, boolean or null per cell
                t.primaryKey(["spreadsheetID", "sheetID", "rowIndex"])
                t.foreignKey(["spreadsheetID", "sheetID"], references: "sheet", onDelete: .cascade)
            }
        }
        return migrator
    }

    func saveAccount(_ account: ServiceAccount, ordinal: Int) throws {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO serviceAccount (keyID, ordinal, clientEmail, clientID, projectID, projectNumber, privateKeyPEM) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [account.keyID, ordinal, account.clientEmail, account.clientID, account.projectID, account.projectNumber, account.privateKeyPEM])
        }
    }

    func loadAccounts() throws -> [ServiceAccount] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM serviceAccount ORDER BY ordinal").map { row in
                try ServiceAccount(keyID: row["keyID"], clientEmail: row["clientEmail"], clientID: row["clientID"],
                                   projectID: row["projectID"], projectNumber: row["projectNumber"], privateKeyPEM: row["privateKeyPEM"])
            }
        }
    }

    /// Writes a whole spreadsheet (creation, and every change of `spreadsheets.batchUpdate` or a
    /// batch of values): its sheets and rows are replaced, so a deleted sheet leaves nothing behind.
    func saveSpreadsheet(_ spreadsheet: Spreadsheet) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM sheetRow WHERE spreadsheetID = ?", arguments: [spreadsheet.id])
            try db.execute(sql: "DELETE FROM sheet WHERE spreadsheetID = ?", arguments: [spreadsheet.id])
            let shared = spreadsheet.sharedWith.map { String(decoding: JSONValue.array($0.sorted().map { .string($0) }).serialized(), as: UTF8.self) }
            try db.execute(sql: "INSERT OR REPLACE INTO spreadsheet (id, title, sharedWith) VALUES (?, ?, ?)",
                           arguments: [spreadsheet.id, spreadsheet.title, shared])
            for sheet in spreadsheet.sheets {
                try SheetsDatabase.saveProperties(db, spreadsheetID: spreadsheet.id, sheet: sheet)
                try SheetsDatabase.saveRows(db, spreadsheetID: spreadsheet.id, sheet: sheet, from: 0)
            }
        }
    }

    /// Writes a sheet's grid size and its rows from `from` on (rows below a change).
    func saveSheet(spreadsheetID: String, sheet: SheetGrid, rows: Range<Int>?) throws {
        try writer.write { db in
            try SheetsDatabase.saveProperties(db, spreadsheetID: spreadsheetID, sheet: sheet)
            if let rows {
                try SheetsDatabase.saveRows(db, spreadsheetID: spreadsheetID, sheet: sheet, from: rows.lowerBound, to: rows.upperBound)
            }
        }
    }

    private static func saveProperties(_ db: Database, spreadsheetID: String, sheet: SheetGrid) throws {
        try db.execute(
            sql: """
                INSERT INTO sheet (spreadsheetID, sheetID, title, position, rowCount, columnCount) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (spreadsheetID, sheetID) DO UPDATE SET title = excluded.title, position = excluded.position,
                  rowCount = excluded.rowCount, columnCount = excluded.columnCount
                """,
            arguments: [spreadsheetID, sheet.sheetID, sheet.title, sheet.index, sheet.rowCount, sheet.columnCount])
    }

    private static func saveRows(_ db: Database, spreadsheetID: String, sheet: SheetGrid, from: Int, to: Int = .max) throws {
        try db.execute(sql: "DELETE FROM sheetRow WHERE spreadsheetID = ? AND sheetID = ? AND rowIndex >= ? AND rowIndex < ?",
                       arguments: [spreadsheetID, sheet.sheetID, from, to])
        let statement = try db.cachedStatement(sql: "INSERT INTO sheetRow (spreadsheetID, sheetID, rowIndex, cells) VALUES (?, ?, ?, ?)")
        let end = min(to, sheet.rows.count)
        guard from < end else { return }
        for index in from..<end where !sheet.rows[index].isEmpty {
            let cells = JSONValue.array(sheet.rows[index].map { $0?.unformatted ?? .null })
            try statement.execute(arguments: [spreadsheetID, sheet.sheetID, index, String(decoding: cells.serialized(), as: UTF8.self)])
        }
    }

    func loadSpreadsheets() throws -> [Spreadsheet] {
        try writer.read { db in
            var result: [Spreadsheet] = []
            for row in try Row.fetchAll(db, sql: "SELECT * FROM spreadsheet ORDER BY id") {
                let id: String = row["id"]
                var shared: Set<String>?
                if let json: String = row["sharedWith"], case .array(let emails)? = JSONValue.parse(Data(json.utf8)) {
                    shared = Set(emails.compactMap(\.stringValue))
                }
                var sheets: [SheetGrid] = []
                for s in try Row.fetchAll(db, sql: "SELECT * FROM sheet WHERE spreadsheetID = ? ORDER BY position", arguments: [id]) {
                    var grid = SheetGrid(sheetID: s["sheetID"], title: s["title"], index: s["position"],
                                         rowCount: s["rowCount"], columnCount: s["columnCount"])
                    for r in try Row.fetchAll(db, sql: "SELECT rowIndex, cells FROM sheetRow WHERE spreadsheetID = ? AND sheetID = ? ORDER BY rowIndex",
                                              arguments: [id, grid.sheetID]) {
                        let index: Int = r["rowIndex"]
                        let text: String = r["cells"]
                        guard case .array(let cells)? = JSONValue.parse(Data(text.utf8)) else { continue }
                        if index >= grid.rows.count {
                            grid.rows.append(contentsOf: Array(repeating: [], count: index - grid.rows.count + 1))
                        }
                        grid.rows[index] = cells.map { CellValue.raw($0) }
                    }
                    sheets.append(grid)
                }
                result.append(Spreadsheet(id: id, title: row["title"], sheets: sheets, sharedWith: shared))
            }
            return result
        }
    }

    func deleteSpreadsheets() throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM sheetRow; DELETE FROM sheet; DELETE FROM spreadsheet;")
        }
    }
}
