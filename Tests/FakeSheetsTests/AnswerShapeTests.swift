import FakeSheets
import Foundation
import NIOHTTP1
import Testing

/// The exact bytes of the write answers, pinned so that a change in how they are encoded (typed
/// structs instead of a generic tree, a shared encoder) cannot change what clients receive: the
/// keys, their nesting, which optional keys appear, and how values are written.
@Suite("Write answers keep their exact JSON shape")
struct AnswerShapeTests {
    /// One fake with spreadsheet `shape` (sheets `Attendance` and `Bob's Sheet`) and a token.
    func withShapeSpreadsheet(_ body: @Sendable @escaping (SheetsTestClient, String) async throws -> Void) async throws {
        try await FakeSheets.withRunning(.testing()) { fake in
            let client = SheetsTestClient(fake: fake)
            _ = try await fake.createSpreadsheet(id: "shape", sheets: ["Attendance", "Bob's Sheet"])
            try await body(client, try await client.accessToken())
        }
    }

    @Test("values.append: no table, then a table, then INSERT_ROWS with updatedData in each render option")
    func appendAnswers() async throws {
        try await withShapeSpreadsheet { client, token in
            let first = try await client.append("shape", "Attendance!A1", [["2024-05-01T08:00:00Z", "1001", "Ana Pérez"]], token: token)
            #expect(first.status == 200)
            #expect(first.headers.first(name: "Content-Type") == "application/json; charset=UTF-8")
            #expect(first.text == #"{"spreadsheetId":"shape","updates":{"spreadsheetId":"shape","updatedCells":3,"updatedColumns":3,"updatedRange":"Attendance!A1:C1","updatedRows":1}}"#)

            let second = try await client.append("shape", "Attendance!A:C", [["a/b", "TRUE", "1,234.5"], ["x"]], token: token)
            #expect(second.text == #"{"spreadsheetId":"shape","tableRange":"Attendance!A1:C1","updates":{"spreadsheetId":"shape","updatedCells":4,"updatedColumns":3,"updatedRange":"Attendance!A2:C3","updatedRows":2}}"#)

            let formatted = try await client.append("shape", "Attendance!A1", [["7", "", "false", "=1+1"]], token: token,
                                                    query: "valueInputOption=USER_ENTERED&includeValuesInResponse=true")
            #expect(formatted.text == #"{"spreadsheetId":"shape","tableRange":"Attendance!A1:C3","updates":{"spreadsheetId":"shape","updatedCells":4,"updatedColumns":4,"updatedData":{"majorDimension":"ROWS","range":"Attendance!A4:D4","values":[["7","","FALSE","=1+1"]]},"updatedRange":"Attendance!A4:D4","updatedRows":1}}"#)

            let unformatted = try await client.append("shape", "Attendance!A1", [["2.5", "-3", "true", "'0123"]], token: token,
                                                      query: "valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS&includeValuesInResponse=true&responseValueRenderOption=UNFORMATTED_VALUE")
            #expect(unformatted.text == #"{"spreadsheetId":"shape","tableRange":"Attendance!A1:D4","updates":{"spreadsheetId":"shape","updatedCells":4,"updatedColumns":4,"updatedData":{"majorDimension":"ROWS","range":"Attendance!A5:D5","values":[[2.5,-3,true,"0123"]]},"updatedRange":"Attendance!A5:D5","updatedRows":1}}"#)
        }
    }

    @Test("values.append of nothing names only the spreadsheet; a quoted sheet title is quoted in every range")
    func appendEdgeAnswers() async throws {
        try await withShapeSpreadsheet { client, token in
            let empty = try await client.append("shape", "Attendance!A1", [], token: token)
            #expect(empty.text == #"{"spreadsheetId":"shape","updates":{"spreadsheetId":"shape"}}"#)

            _ = try await client.append("shape", "'Bob''s Sheet'!A1", [["1"]], token: token)
            let quoted = try await client.append("shape", "'Bob''s Sheet'!A1", [["2"]], token: token, query: "valueInputOption=RAW")
            #expect(quoted.text == #"{"spreadsheetId":"shape","tableRange":"'Bob''s Sheet'!A1","updates":{"spreadsheetId":"shape","updatedCells":1,"updatedColumns":1,"updatedRange":"'Bob''s Sheet'!A2","updatedRows":1}}"#)
        }
    }

    @Test("values.append as the bot sends it: RAW, INSERT_ROWS, the range repeated in the body (quoted or not)")
    func botShapedAppend() async throws {
        try await withShapeSpreadsheet { client, token in
            let path = "/v4/spreadsheets/shape/values/\(SheetsTestClient.encodePath("Attendance!A:J")):append?valueInputOption=RAW&insertDataOption=INSERT_ROWS&includeValuesInResponse=false"
            for (i, range) in ["Attendance!A:J", "'Attendance'!A:J"].enumerated() {
                let body = #"{"majorDimension":"ROWS","range":"\#(range)","values":[["2024-05-01T08:00:00Z","1001","12"]]}"#
                let answer = try await client.send(.POST, path, body: Data(body.utf8), bearer: token)
                let table = i == 0 ? "" : #""tableRange":"Attendance!A1:C1","#
                #expect(answer.text == #"{"spreadsheetId":"shape",\#(table)"updates":{"spreadsheetId":"shape","updatedCells":3,"updatedColumns":3,"updatedRange":"Attendance!A\#(i + 1):C\#(i + 1)","updatedRows":1}}"#)
            }
            // Fields set to null are unset; a null cell is skipped (not written, not counted: the
            // ValueRange reference, "Null values will be skipped"); JSON numbers and booleans keep their kind.
            let nulls = #"{"range":null,"majorDimension":null,"values":[[null,7,true,2.5]]}"#
            let answer = try await client.send(.POST, path, body: Data(nulls.utf8), bearer: token)
            #expect(answer.text == #"{"spreadsheetId":"shape","tableRange":"Attendance!A1:C2","updates":{"spreadsheetId":"shape","updatedCells":3,"updatedColumns":3,"updatedRange":"Attendance!B3:D3","updatedRows":1}}"#)
            let stored = try await client.get("shape", "Attendance!A3:D3", token: token, query: "valueRenderOption=UNFORMATTED_VALUE")
            #expect(stored.text == #"{"majorDimension":"ROWS","range":"Attendance!A3:D3","values":[["",7,true,2.5]]}"#)
            // RAW keeps "12" as text.
            let read = try await client.get("shape", "Attendance!C1", token: token, query: "valueRenderOption=UNFORMATTED_VALUE")
            #expect(read.text == #"{"majorDimension":"ROWS","range":"Attendance!C1","values":[["12"]]}"#)
        }
    }

    @Test("values.update: written cells, with updatedData, and an empty body")
    func updateAnswers() async throws {
        try await withShapeSpreadsheet { client, token in
            let plain = try await client.update("shape", "Attendance!B2", [["a", "b"], ["c"]], token: token, query: "valueInputOption=RAW")
            #expect(plain.status == 200)
            #expect(plain.text == #"{"spreadsheetId":"shape","updatedCells":3,"updatedColumns":2,"updatedRange":"Attendance!B2:C3","updatedRows":2}"#)

            let withData = try await client.update("shape", "Attendance!A1", [["1e3", "x\"y"]], token: token,
                                                   query: "valueInputOption=USER_ENTERED&includeValuesInResponse=true&responseValueRenderOption=FORMULA")
            #expect(withData.text == #"{"spreadsheetId":"shape","updatedCells":2,"updatedColumns":2,"updatedData":{"majorDimension":"ROWS","range":"Attendance!A1:B1","values":[[1000,"x\"y"]]},"updatedRange":"Attendance!A1:B1","updatedRows":1}"#)

            let empty = try await client.update("shape", "Attendance!C5", [], token: token)
            #expect(empty.text == #"{"spreadsheetId":"shape","updatedRange":"Attendance!C5"}"#)
        }
    }
}
