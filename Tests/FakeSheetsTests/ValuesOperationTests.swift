import Foundation
import NIOCore
import FakeSheets
import NIOHTTP1
import Testing

/// One fake, one token and one spreadsheet for a test.
func withSpreadsheet(_ configuration: FakeSheets.Configuration = .testing(), sheets: [String] = ["Attendance"],
                     _ body: @Sendable @escaping (FakeSheets, SheetsTestClient, String, String) async throws -> Void) async throws {
    try await FakeSheets.withRunning(configuration) { fake in
        let client = SheetsTestClient(fake: fake)
        let id = try await fake.createSpreadsheet(sheets: sheets)
        try await body(fake, client, try await client.accessToken(), id)
    }
}

@Suite("Sheets API operations: spreadsheets.get, values.get/update/append/batchGet, batchUpdate")
struct ValuesOperationTests {
    @Test("spreadsheets.get lists sheets with sheetId, title, index and the 1000×26 grid")
    func getSpreadsheet() async throws {
        try await withSpreadsheet(sheets: ["Attendance", "Sites"]) { _, client, token, id in
            let answer = try await client.send(.GET, "/v4/spreadsheets/\(id)?includeGridData=false&alt=json&prettyPrint=false", bearer: token)
            #expect(answer.status == 200)
            #expect(answer.json["spreadsheetId"] as? String == id)
            let sheets = try #require(answer.json["sheets"] as? [[String: Any]])
            let properties = sheets.compactMap { $0["properties"] as? [String: Any] }
            #expect(properties.map { $0["title"] as? String } == ["Attendance", "Sites"])
            #expect(properties.map { $0["index"] as? Int } == [0, 1])
            #expect(properties[0]["sheetId"] as? Int == 0)
            let grid = try #require(properties[0]["gridProperties"] as? [String: Any])
            #expect(grid["rowCount"] as? Int == 1000)
            #expect(grid["columnCount"] as? Int == 26)
        }
    }

    @Test("values.update writes at the range and answers updatedRange/Rows/Columns/Cells; values.get trims trailing empties")
    func updateAndGet() async throws {
        try await withSpreadsheet { _, client, token, id in
            let answer = try await client.update(id, "Attendance!B2", [["a", "b", ""], ["c"]], token: token, query: "valueInputOption=RAW")
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["updatedRange"] as? String == "Attendance!B2:D3")
            #expect(answer.json["updatedRows"] as? Int == 2)
            #expect(answer.json["updatedColumns"] as? Int == 3)
            #expect(answer.json["updatedCells"] as? Int == 4)
            let read = try await client.get(id, "Attendance!A1:E5", token: token)
            #expect(read.json["range"] as? String == "Attendance!A1:E5")
            #expect(read.values == [[], ["", "a", "b"], ["", "c"]])
            let columns = try await client.get(id, "Attendance!A1:E5", token: token, query: "majorDimension=COLUMNS")
            #expect(columns.values == [[], ["", "a", "c"], ["", "b"]])
        }
    }

    @Test("an empty range answers without a values key")
    func emptyRange() async throws {
        try await withSpreadsheet { _, client, token, id in
            let read = try await client.get(id, "Attendance!C3:D4", token: token)
            #expect(read.status == 200)
            #expect(read.json["range"] as? String == "Attendance!C3:D4")
            #expect(read.json["majorDimension"] as? String == "ROWS")
            #expect(read.json["values"] == nil)
        }
    }

    @Test("USER_ENTERED parses numbers, booleans and leading-apostrophe text; RAW keeps strings", arguments: [
        ("USER_ENTERED", "12", "12", "12"), ("USER_ENTERED", "-3.50", "-3.5", "-3.5"), ("USER_ENTERED", "1,234", "1234", "1234"),
        ("USER_ENTERED", "true", "TRUE", "true"), ("USER_ENTERED", "'0123", "0123", "\"0123\""), ("USER_ENTERED", "abc", "abc", "\"abc\""),
        ("USER_ENTERED", "1,23", "1,23", "\"1,23\""), ("RAW", "12", "12", "\"12\""), ("RAW", "true", "true", "\"true\""),
        ("RAW", "'0123", "'0123", "\"'0123\""),
    ])
    func valueInput(_ c: (String, String, String, String)) async throws {
        let (option, input, formatted, unformattedJSON) = c
        try await withSpreadsheet { _, client, token, id in
            let write = try await client.update(id, "Attendance!A1", [[input]], token: token, query: "valueInputOption=\(option)")
            #expect(write.status == 200)
            let read = try await client.get(id, "Attendance!A1", token: token)
            #expect(read.values == [[formatted]])
            let raw = try await client.get(id, "Attendance!A1", token: token, query: "valueRenderOption=UNFORMATTED_VALUE")
            let cell = try #require(((raw.json["values"] as? [[Any]])?.first?.first))
            let encoded = String(decoding: try JSONSerialization.data(withJSONObject: [cell], options: [.fragmentsAllowed]), as: UTF8.self)
            #expect(encoded == "[\(unformattedJSON)]")
        }
    }

    @Test("JSON numbers and booleans sent with RAW keep their kind")
    func rawKinds() async throws {
        try await withSpreadsheet { _, client, token, id in
            _ = try await client.update(id, "Attendance!A1", [[42, true, 1.5]], token: token, query: "valueInputOption=RAW")
            let read = try await client.get(id, "Attendance!A1:C1", token: token)
            #expect(read.values == [["42", "TRUE", "1.5"]])
        }
    }

    @Test("reads are clamped to the grid and open ranges reach its edge", arguments: [
        ("Attendance", "Attendance!A1:Z1000"), ("Attendance!A:C", "Attendance!A1:C1000"), ("Attendance!B2:C", "Attendance!B2:C1000"),
        ("Attendance!2:3", "Attendance!A2:Z3"), ("Attendance!A1:AC2000", "Attendance!A1:Z1000"), ("A1:B2", "Attendance!A1:B2"),
        ("Attendance!A1", "Attendance!A1"),
    ])
    func clamping(_ c: (String, String)) async throws {
        try await withSpreadsheet { _, client, token, id in
            let read = try await client.get(id, c.0, token: token)
            #expect(read.status == 200, "\(read.text)")
            #expect(read.json["range"] as? String == c.1)
        }
    }

    @Test("a read starting outside the grid is a 400 naming the grid limits")
    func outsideGrid() async throws {
        try await withSpreadsheet { _, client, token, id in
            let read = try await client.get(id, "Attendance!A1001", token: token)
            #expect(read.status == 400)
            #expect(read.googleMessage == "Range (Attendance!A1001) exceeds grid limits. Max rows: 1000, max columns: 26")
        }
    }

    @Test("the range path segment works percent-encoded or not, with quoted names and doubled quotes")
    func pathEncoding() async throws {
        try await withSpreadsheet(sheets: ["Attendance", "Bob's Sheet"]) { _, client, token, id in
            let encoded = try await client.send(.POST, "/v4/spreadsheets/\(id)/values/%27Bob%27%27s%20Sheet%27%21A1:append?valueInputOption=RAW",
                                                body: client.json(["values": [["x"]]]), bearer: token)
            #expect(encoded.status == 200, "\(encoded.text)")
            #expect((encoded.json["updates"] as? [String: Any])?["updatedRange"] as? String == "'Bob''s Sheet'!A1")
            let fullyEncoded = try await client.send(.POST, "/v4/spreadsheets/\(id)/values/%27Bob%27%27s%20Sheet%27%21A1%3Aappend?valueInputOption=RAW",
                                                     body: client.json(["values": [["y"]]]), bearer: token)
            #expect(fullyEncoded.status == 200, "\(fullyEncoded.text)")
            let plain = try await client.send(.GET, "/v4/spreadsheets/\(id)/values/Attendance!A1:B2", bearer: token)
            #expect(plain.status == 200)
            let rows = try await client.get(id, "'Bob''s Sheet'!A1:A5", token: token)
            #expect(rows.values == [["x"], ["y"]])
        }
    }

    @Test("append finds the table and writes below it, from the table's first column", arguments: [
        // (existing rows written at A1, append range, expected tableRange, expected updatedRange)
        ([["h1", "h2"], ["a", "b"]], "Attendance!A1", "Attendance!A1:B2", "Attendance!A3:B3"),
        ([["h1", "h2"], ["a", "b"]], "Attendance", "Attendance!A1:B2", "Attendance!A3:B3"),
        ([["h1", "h2"], ["a", "b"]], "Attendance!A:B", "Attendance!A1:B2", "Attendance!A3:B3"),
        ([["", "h2", "h3"], ["", "b", "c"]], "Attendance!B1", "Attendance!B1:C2", "Attendance!B3:C3"),
        // An empty single cell is in no table, even beside one (guide "Append values": "A4 would
        // also start writing at A4").
        ([["", "h2", "h3"], ["", "b", "c"]], "Attendance!A1", nil, "Attendance!A1:B1"),
        ([["h1"], [], ["after-gap"]], "Attendance!A1", "Attendance!A1", "Attendance!A2:B2"),
        ([], "Attendance!C5", nil, "Attendance!C5:D5"),
    ] as [([[String]], String, String?, String)])
    func tableDetection(_ c: ([[String]], String, String?, String)) async throws {
        let (existing, range, table, updated) = c
        try await withSpreadsheet { _, client, token, id in
            if !existing.isEmpty {
                #expect(try await client.update(id, "Attendance!A1", existing, token: token, query: "valueInputOption=RAW").status == 200)
            }
            let answer = try await client.append(id, range, [["n1", "n2"]], token: token, query: "valueInputOption=RAW")
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["tableRange"] as? String == table)
            #expect((answer.json["updates"] as? [String: Any])?["updatedRange"] as? String == updated)
        }
    }

    @Test("INSERT_ROWS inserts below the table and grows the grid; OVERWRITE overwrites what lies there")
    func insertRows() async throws {
        try await withSpreadsheet { fake, client, token, id in
            _ = try await client.update(id, "Attendance!A1", [["t1"], ["t2"], [], ["below"]], token: token, query: "valueInputOption=RAW")
            let inserted = try await client.append(id, "Attendance!A1", [["new"]], token: token, query: "valueInputOption=RAW&insertDataOption=INSERT_ROWS")
            #expect((inserted.json["updates"] as? [String: Any])?["updatedRange"] as? String == "Attendance!A3")
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance") == [["t1"], ["t2"], ["new"], [], ["below"]])
            let meta = try await client.send(.GET, "/v4/spreadsheets/\(id)", bearer: token)
            let grid = ((meta.json["sheets"] as? [[String: Any]])?.first?["properties"] as? [String: Any])?["gridProperties"] as? [String: Any]
            #expect(grid?["rowCount"] as? Int == 1001)
            _ = try await client.append(id, "Attendance!A1", [["over"]], token: token, query: "valueInputOption=RAW&insertDataOption=OVERWRITE")
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance") == [["t1"], ["t2"], ["new"], ["over"], ["below"]])
        }
    }

    @Test("appending past row 1000 grows the grid, and reads then cover the new rows")
    func gridGrowth() async throws {
        try await withSpreadsheet { _, client, token, id in
            let block = (0..<999).map { ["r\($0)"] }
            #expect(try await client.append(id, "Attendance!A1", block, token: token, query: "valueInputOption=RAW").status == 200)
            let answer = try await client.append(id, "Attendance!A1", [["r999"], ["r1000"]], token: token, query: "valueInputOption=RAW")
            #expect((answer.json["updates"] as? [String: Any])?["updatedRange"] as? String == "Attendance!A1000:A1001")
            let read = try await client.get(id, "Attendance!A:A", token: token)
            #expect(read.json["range"] as? String == "Attendance!A1:A1001")
            #expect(read.values?.last == ["r1000"])
        }
    }

    @Test("includeValuesInResponse returns updatedData rendered as asked")
    func includeValues() async throws {
        try await withSpreadsheet { _, client, token, id in
            let answer = try await client.append(id, "Attendance!A1", [["7", "x"]], token: token,
                                                 query: "valueInputOption=USER_ENTERED&includeValuesInResponse=True&responseValueRenderOption=UNFORMATTED_VALUE")
            let data = try #require((answer.json["updates"] as? [String: Any])?["updatedData"] as? [String: Any])
            #expect(data["range"] as? String == "Attendance!A1:B1")
            let values = try #require(data["values"] as? [[Any]])
            #expect(values.first?.first as? Int == 7)
            #expect(values.first?.last as? String == "x")
        }
    }

    @Test("batchGet answers one ValueRange per range, in order")
    func batchGet() async throws {
        try await withSpreadsheet(sheets: ["Attendance", "Other Sheet"]) { _, client, token, id in
            _ = try await client.update(id, "Attendance!A1", [["a"]], token: token)
            _ = try await client.update(id, "'Other Sheet'!A1", [["b"]], token: token)
            let answer = try await client.send(.GET, "/v4/spreadsheets/\(id)/values:batchGet?ranges=Attendance!A1&ranges=%27Other%20Sheet%27!A1:B2&ranges=Z9",
                                               bearer: token)
            #expect(answer.status == 200, "\(answer.text)")
            let ranges = try #require(answer.json["valueRanges"] as? [[String: Any]])
            #expect(ranges.map { $0["range"] as? String } == ["Attendance!A1", "'Other Sheet'!A1:B2", "Attendance!Z9"])
            #expect((ranges[1]["values"] as? [[String]]) == [["b"]])
            #expect(ranges[2]["values"] == nil)
        }
    }

    @Test("batchUpdate addSheet adds a sheet (reply with its properties); a duplicate title is a 400 and adds nothing")
    func addSheet() async throws {
        try await withSpreadsheet { fake, client, token, id in
            let body = client.json(["requests": [["addSheet": ["properties": ["title": "Sites", "gridProperties": ["rowCount": 50, "columnCount": 5]]]]]])
            let answer = try await client.send(.POST, "/v4/spreadsheets/\(id):batchUpdate", body: body, bearer: token)
            #expect(answer.status == 200, "\(answer.text)")
            let reply = try #require(((answer.json["replies"] as? [[String: Any]])?.first?["addSheet"] as? [String: Any])?["properties"] as? [String: Any])
            #expect(reply["title"] as? String == "Sites")
            #expect(reply["index"] as? Int == 1)
            #expect((reply["gridProperties"] as? [String: Any])?["rowCount"] as? Int == 50)
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Sites").isEmpty)
            let duplicate = try await client.send(.POST, "/v4/spreadsheets/\(id):batchUpdate", body: body, bearer: token)
            #expect(duplicate.status == 400)
            #expect(duplicate.googleMessage == "Invalid requests[0].addSheet: A sheet with the name \"Sites\" already exists. Please enter another name.")
            let read = try await client.get(id, "Sites", token: token)
            #expect(read.json["range"] as? String == "Sites!A1:E50")
        }
    }
}
