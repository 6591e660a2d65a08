import Foundation
import Testing
import FakeSheets

/// `spreadsheets.batchUpdate` kinds that change a spreadsheet's structure, and `spreadsheets.get`
/// with a `fields` mask, on the requests of Google's samples "Sheet operations"
/// (developers.google.com/workspace/sheets/api/samples/sheet), "Row & column operations"
/// (…/samples/rowcolumn) and the guide "Update spreadsheets" (…/guides/batchupdate).
@Suite("spreadsheets.batchUpdate: sheets, rows, columns, properties; spreadsheets.get fields")
struct SpreadsheetBatchUpdateTests {
    // Guide "Update spreadsheets", "Field masks": updateSpreadsheetProperties with fields "title".
    @Test("updateSpreadsheetProperties sets the title and the time zone its mask names")
    func spreadsheetProperties() async throws {
        try await withSpreadsheet { _, client, token, id in
            let answer = try await client.batchUpdate(id, [
                ["updateSpreadsheetProperties": ["properties": ["title": "My New Title", "timeZone": "Europe/Madrid"], "fields": "title"]],
            ], token: token)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["replies"] as? [[String: Any]] != nil)
            var properties = try #require(try await client.spreadsheet(id, token: token).json["properties"] as? [String: Any])
            #expect(properties["title"] as? String == "My New Title")
            #expect(properties["timeZone"] as? String == "Etc/GMT")
            _ = try await client.batchUpdate(id, [
                ["updateSpreadsheetProperties": ["properties": ["timeZone": "Europe/Madrid"], "fields": "timeZone"]],
            ], token: token)
            properties = try #require(try await client.spreadsheet(id, token: token).json["properties"] as? [String: Any])
            #expect(properties["timeZone"] as? String == "Europe/Madrid")
        }
    }

    // Sample "Sheet operations", "Update sheet properties": title, gridProperties.rowCount and
    // tabColor with their mask; gspread's resize() sends "gridProperties/rowCount,gridProperties/columnCount".
    @Test("updateSheetProperties renames and resizes as its mask says", arguments: [
        ("title,gridProperties.rowCount", "New Sheet Name", 50, 26),
        ("gridProperties/rowCount,gridProperties/columnCount", "Attendance", 50, 3),
        ("gridProperties(rowCount,columnCount)", "Attendance", 50, 3),
        ("title", "New Sheet Name", 1000, 26),
        ("*", "New Sheet Name", 50, 3),
    ])
    func sheetProperties(_ c: (String, String, Int, Int)) async throws {
        let (fields, title, rows, columns) = c
        try await withSpreadsheet { fake, client, token, id in
            _ = try await client.update(id, "Attendance!A1", [["a", "b", "c", "d"]], token: token)
            _ = try await client.update(id, "Attendance!A60", [["far"]], token: token)
            let answer = try await client.batchUpdate(id, [["updateSheetProperties": [
                "properties": ["sheetId": 0, "title": "New Sheet Name", "gridProperties": ["rowCount": 50, "columnCount": 3],
                               "tabColor": ["red": 1.0, "green": 0.3, "blue": 0.4]],
                "fields": fields,
            ]]], token: token)
            #expect(answer.status == 200, "\(answer.text)")
            let properties = try #require(try await client.sheetProperties(id, token: token).first)
            #expect(properties["title"] as? String == title)
            let grid = try #require(properties["gridProperties"] as? [String: Any])
            #expect(grid["rowCount"] as? Int == rows)
            #expect(grid["columnCount"] as? Int == columns)
            // Shrinking drops the cells outside the new grid.
            let kept = try await fake.rows(spreadsheetID: id, sheet: title)
            #expect(kept.first == Array(["a", "b", "c", "d"].prefix(columns)))
            #expect(kept.count == (rows < 60 ? 1 : 60))
        }
    }

    // Sample "Sheet operations", "Delete a sheet"; Google refuses to delete the last sheet.
    @Test("deleteSheet removes the sheet; the last sheet or an unknown id is Google's 400")
    func deleteSheet() async throws {
        try await withSpreadsheet(sheets: ["Attendance", "Sites"]) { _, client, token, id in
            let sites = try #require(try await client.sheetProperties(id, token: token).last?["sheetId"] as? Int)
            let unknown = try await client.batchUpdate(id, [["deleteSheet": ["sheetId": 12345]]], token: token)
            #expect(unknown.status == 400)
            #expect(unknown.googleMessage == "Invalid requests[0].deleteSheet: No sheet with id: 12345")
            #expect(try await client.batchUpdate(id, [["deleteSheet": ["sheetId": sites]]], token: token).status == 200)
            #expect(try await client.sheetProperties(id, token: token).map { $0["title"] as? String } == ["Attendance"])
            let last = try await client.batchUpdate(id, [["deleteSheet": ["sheetId": 0]]], token: token)
            #expect(last.status == 400)
            #expect(last.googleStatus == "INVALID_ARGUMENT")
            #expect(last.googleMessage == "Invalid requests[0].deleteSheet: You can't remove all the sheets in a document.")
            #expect(try await client.sheetProperties(id, token: token).count == 1)
        }
    }

    // Sample "Row & column operations", "Insert an empty row or column" and "Delete rows or
    // columns": the cells move with their rows and columns.
    @Test("insertDimension, deleteDimension and appendDimension move the cells and resize the grid", arguments: [
        // (request as JSON, rows after, rowCount, columnCount)
        (#"{"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 3}, "inheritFromBefore": false}}"#,
         [[], [], [], ["a", "b", "c"], ["d", "e", "f"]], 1003, 26),
        (#"{"insertDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 3}, "inheritFromBefore": true}}"#,
         [["a", "", "", "b", "c"], ["d", "", "", "e", "f"]], 1000, 28),
        (#"{"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}}}"#,
         [["d", "e", "f"]], 999, 26),
        (#"{"deleteDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 2}}}"#,
         [["c"], ["f"]], 1000, 24),
        (#"{"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 3}}"#,
         [["a", "b", "c"], ["d", "e", "f"]], 1003, 26),
        (#"{"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 1}}"#,
         [["a", "b", "c"], ["d", "e", "f"]], 1000, 27),
    ] as [(String, [[String]], Int, Int)])
    func dimensions(_ c: (String, [[String]], Int, Int)) async throws {
        let (request, rows, rowCount, columnCount) = c
        try await withSpreadsheet { fake, client, token, id in
            _ = try await client.update(id, "Attendance!A1", [["a", "b", "c"], ["d", "e", "f"]], token: token)
            let answer = try await client.batchUpdate(id, [try SpreadsheetBatchUpdateTests.object(request)], token: token)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["replies"] as? [[String: Any]] != nil)
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance") == rows)
            let grid = try #require(try await client.sheetProperties(id, token: token).first?["gridProperties"] as? [String: Any])
            #expect(grid["rowCount"] as? Int == rowCount)
            #expect(grid["columnCount"] as? Int == columnCount)
        }
    }

    /// A request written as JSON text (test arguments must be `Sendable`).
    static func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    // Bad input gets Google's 400 shape; the whole batch is refused ("If any request is not
    // valid, no requests will be applied").
    @Test("bad batchUpdate input is Google's 400 naming what was wrong, and changes nothing", arguments: [
        (#"{"fooBar": {}}"#,
         #"Invalid JSON payload received. Unknown name "fooBar" at 'requests[1]': Cannot find field."#),
        (#"{"updateSheetProperties": {"properties": {"sheetId": 0, "headerValues": ["x"]}, "fields": "title"}}"#,
         #"Invalid JSON payload received. Unknown name "headerValues" at 'requests[1].update_sheet_properties.properties': Cannot find field."#),
        (#"{"updateSheetProperties": {"properties": {"sheetId": 0, "title": "T"}, "fields": "title,"}}"#,
         #"Invalid requests[1].updateSheetProperties: Invalid field mask: "title,"."#),
        (#"{"updateSheetProperties": {"properties": {"sheetId": 0, "title": "T"}, "fields": "titel"}}"#,
         #"Invalid requests[1].updateSheetProperties: Invalid field mask: the field "titel" does not exist."#),
        (#"{"updateSheetProperties": {"properties": {"sheetId": 0, "title": "T"}}}"#,
         "Invalid requests[1].updateSheetProperties: At least one field must be specified in 'fields'."),
        (#"{"updateSheetProperties": {"properties": {"sheetId": 7, "title": "T"}, "fields": "title"}}"#,
         "Invalid requests[1].updateSheetProperties: No sheet with id: 7"),
        (#"{"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1000}}}"#,
         "Invalid requests[1].deleteDimension: You can't delete all the rows on the sheet."),
        (#"{"repeatCell": {}}"#,
         "Invalid requests[1]: the fake Sheets server does not carry out repeatCell requests; it carries out addSheet, deleteSheet, updateSheetProperties, updateSpreadsheetProperties, insertDimension, deleteDimension and appendDimension."),
    ] as [(String, String)])
    func badRequests(_ c: (String, String)) async throws {
        try await withSpreadsheet { _, client, token, id in
            let request = try SpreadsheetBatchUpdateTests.object(c.0)
            let answer = try await client.batchUpdate(id, [["addSheet": ["properties": ["title": "Added"]]], request], token: token)
            #expect(answer.status == 400)
            #expect(answer.googleStatus == "INVALID_ARGUMENT")
            #expect(answer.googleMessage == c.1)
            #expect(try await client.sheetProperties(id, token: token).map { $0["title"] as? String } == ["Attendance"])
        }
    }

    // Sample "Sheet operations", "Determine sheet ID and other properties": GET with
    // fields=sheets.properties answers only the sheets' properties.
    @Test("spreadsheets.get answers only the fields its mask names", arguments: [
        ("sheets.properties", ["sheets"]), ("spreadsheetId", ["spreadsheetId"]), ("properties.title", ["properties"]),
        ("spreadsheetId,sheets(properties(title,sheetId))", ["sheets", "spreadsheetId"]), ("*", ["properties", "sheets", "spreadsheetId", "spreadsheetUrl"]),
    ])
    func getWithFields(_ c: (String, [String])) async throws {
        try await withSpreadsheet { _, client, token, id in
            let answer = try await client.spreadsheet(id, token: token, fields: c.0)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json.keys.sorted() == c.1)
            if c.0 == "properties.title" {
                #expect((answer.json["properties"] as? [String: Any])?.keys.sorted() == ["title"])
            }
            if c.0.hasPrefix("spreadsheetId,sheets(") {
                let properties = (answer.json["sheets"] as? [[String: Any]])?.first?["properties"] as? [String: Any]
                #expect(properties?.keys.sorted() == ["sheetId", "title"])
            }
        }
    }

    // The Sheets API answers a fields mask it cannot read, or one naming no field, with its
    // generic 400 (ringo380/claude-google-sheets-mcp #4 quotes it for "properties, sheets.properties").
    @Test("a malformed or unknown fields mask is Google's generic 400", arguments: [
        "properties, sheets.properties", "sheets(properties", "nope", "sheets.properties.nope",
    ])
    func badFields(_ fields: String) async throws {
        try await withSpreadsheet { _, client, token, id in
            let answer = try await client.spreadsheet(id, token: token, fields: fields)
            #expect(answer.status == 400)
            #expect(answer.googleMessage == "Request contains an invalid argument.")
        }
    }
}
