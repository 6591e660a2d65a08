import Foundation
import NIOCore
import FakeSheets
import NIOHTTP1
import Testing

@Suite("Bad requests get Google's error envelope with the real status and message")
struct ErrorEnvelopeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPMethod
        var path: String
        var body: String?
        var code: Int
        var status: String
        var message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unknown spreadsheet", method: .GET, path: "/v4/spreadsheets/nope/values/A1", code: 404, status: "NOT_FOUND",
             message: "Requested entity was not found."),
        Case(name: "unknown sheet", method: .GET, path: "/v4/spreadsheets/ID/values/Nope!A1", code: 400, status: "INVALID_ARGUMENT",
             message: "Unable to parse range: Nope!A1"),
        Case(name: "unparseable range", method: .GET, path: "/v4/spreadsheets/ID/values/Attendance!A0", code: 400, status: "INVALID_ARGUMENT",
             message: "Unable to parse range: Attendance!A0"),
        Case(name: "valueInputOption missing", method: .POST, path: "/v4/spreadsheets/ID/values/A1:append", body: #"{"values":[["x"]]}"#,
             code: 400, status: "INVALID_ARGUMENT", message: "'valueInputOption' is required but not specified"),
        Case(name: "valueInputOption invalid", method: .POST, path: "/v4/spreadsheets/ID/values/A1:append?valueInputOption=PARSED",
             body: #"{"values":[["x"]]}"#, code: 400, status: "INVALID_ARGUMENT",
             message: #"Invalid value at 'value_input_option' (type.googleapis.com/google.apps.sheets.v4.ValueInputOption), "PARSED""#),
        Case(name: "boolean invalid", method: .POST, path: "/v4/spreadsheets/ID/values/A1:append?valueInputOption=RAW&includeValuesInResponse=yes",
             body: #"{"values":[["x"]]}"#, code: 400, status: "INVALID_ARGUMENT",
             message: #"Invalid value at 'include_values_in_response' (TYPE_BOOL), "yes""#),
        Case(name: "malformed JSON", method: .POST, path: "/v4/spreadsheets/ID/values/A1:append?valueInputOption=RAW", body: #"{"values": [["x"]"#,
             code: 400, status: "INVALID_ARGUMENT", message: "Invalid JSON payload received. Unexpected token."),
        Case(name: "values not a list", method: .POST, path: "/v4/spreadsheets/ID/values/A1:append?valueInputOption=RAW", body: #"{"values": "x"}"#,
             code: 400, status: "INVALID_ARGUMENT", message: #"Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), "x""#),
        Case(name: "a row not a list", method: .PUT, path: "/v4/spreadsheets/ID/values/A1?valueInputOption=RAW", body: #"{"values": [1]}"#,
             code: 400, status: "INVALID_ARGUMENT", message: "Invalid value at 'data.values[0]' (type.googleapis.com/google.protobuf.ListValue), 1"),
        Case(name: "body range other than the URL's", method: .POST, path: "/v4/spreadsheets/ID/values/Attendance!A:J:append?valueInputOption=RAW",
             body: #"{"range": "Attendance!A:K", "values": [["x"]]}"#, code: 400, status: "INVALID_ARGUMENT",
             message: "Requested range [Attendance!A:K] does not match the range in the URL [Attendance!A:J]."),
        Case(name: "body range not a string", method: .POST, path: "/v4/spreadsheets/ID/values/A1:append?valueInputOption=RAW",
             body: #"{"range": 1, "values": [["x"]]}"#, code: 400, status: "INVALID_ARGUMENT",
             message: "Invalid value at 'data.range' (TYPE_STRING), 1"),
        Case(name: "majorDimension invalid", method: .POST, path: "/v4/spreadsheets/ID/values/A1:append?valueInputOption=RAW",
             body: #"{"majorDimension": "DIAGONAL", "values": [["x"]]}"#, code: 400, status: "INVALID_ARGUMENT",
             message: #"Invalid value at 'data.major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), "DIAGONAL""#),
        Case(name: "unknown body field", method: .PUT, path: "/v4/spreadsheets/ID/values/A1?valueInputOption=RAW", body: #"{"rows": []}"#,
             code: 400, status: "INVALID_ARGUMENT", message: #"Invalid JSON payload received. Unknown name "rows": Cannot find field."#),
        Case(name: "unknown query parameter", method: .GET, path: "/v4/spreadsheets/ID/values/A1?colour=red", code: 400, status: "INVALID_ARGUMENT",
             message: #"Invalid JSON payload received. Unknown name "colour": Cannot bind query parameter. Field 'colour' could not be found in request message."#),
        Case(name: "write beyond the named range", method: .PUT, path: "/v4/spreadsheets/ID/values/A1:B1?valueInputOption=RAW",
             body: #"{"values": [["a","b","c"]]}"#, code: 400, status: "INVALID_ARGUMENT",
             message: "Requested writing within range [A1:B1], but tried writing to column [C]"),
        Case(name: "unknown batchUpdate request", method: .POST, path: "/v4/spreadsheets/ID:batchUpdate", body: #"{"requests": [{"fooBar": {}}]}"#,
             code: 400, status: "INVALID_ARGUMENT", message: #"Invalid JSON payload received. Unknown name "fooBar" at 'requests[0]': Cannot find field."#),
        Case(name: "unknown method", method: .DELETE, path: "/v4/spreadsheets/ID", code: 404, status: "NOT_FOUND", message: "Method not found."),
    ]

    @Test("each bad request's error", arguments: cases)
    func envelope(_ c: Case) async throws {
        try await withSpreadsheet { fake, client, token, id in
            let path = c.path.replacingOccurrences(of: "/ID", with: "/\(id)")
            let answer: HTTPAnswer
            if c.method == .DELETE {
                answer = try await client.send(.DELETE, path, bearer: token)
            } else {
                answer = try await client.send(c.method, path, body: c.body.map { Data($0.utf8) }, bearer: token)
            }
            #expect(answer.status == c.code, "\(answer.text)")
            #expect(answer.googleCode == c.code)
            #expect(answer.googleStatus == c.status)
            #expect(answer.googleMessage == c.message)
            #expect(answer.headers.first(name: "Content-Type") == "application/json; charset=UTF-8")
            // A failed write writes nothing.
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance").isEmpty)
        }
    }
}
