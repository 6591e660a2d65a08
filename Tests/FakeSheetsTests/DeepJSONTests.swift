import FakeSheets
import Foundation
import NIOHTTP1
import Testing

/// The bodies that crashed Foundation's parser, sent to every JSON entry point of the fake Sheets:
/// the API routes (with a valid token, so the body is read), the control routes and the token
/// route. Each answers 400 and the fake stays up.
@Suite struct DeepJSONTests {
    static let bodies = [String(repeating: "[", count: 513), #"{"a":"# + String(repeating: "[", count: 512)]

    @Test("values and spreadsheet routes, the control routes and the token route answer 400 to 513 nested brackets")
    func entryPoints() async throws {
        try await withSpreadsheet { _, client, token, id in
            let range = SheetsTestClient.encodePath("Attendance!A1")
            let routes: [(String, String?)] = [
                ("/v4/spreadsheets/\(id)/values/\(range):append?valueInputOption=RAW", token),
                ("/v4/spreadsheets/\(id)/values/\(range)?valueInputOption=RAW", token),
                ("/v4/spreadsheets/\(id)/values:batchUpdate", token),
                ("/v4/spreadsheets/\(id)/values:batchClear", token),
                ("/v4/spreadsheets/\(id):batchUpdate", token),
                ("/control/spreadsheets", nil),
                ("/control/faults", nil),
                ("/token", nil),
            ]
            for (path, bearer) in routes {
                for body in Self.bodies {
                    let method: HTTPMethod = path.contains("values/\(range)?") ? .PUT : .POST
                    let answer = try await client.send(method, path, body: Data(body.utf8), bearer: bearer)
                    #expect(answer.status == 400, "\(method) \(path): \(answer.status)")
                }
            }
            #expect(try await client.get(id, "Attendance!A1", token: token).status == 200, "the fake is still up")
        }
    }
}
