import AsyncHTTPClient
import FakeSheets
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@Suite("Control API over HTTP")
struct ControlAPITests {
    @Test("create a spreadsheet, read credentials, rows, calls?operation=, faults and reset over HTTP")
    func controlRoundTrip() async throws {
        try await FakeSheets.withRunning(.testing()) { fake in
            let client = SheetsTestClient(fake: fake)
            let created = try await client.send(.POST, "/control/spreadsheets", body: client.json(["spreadsheetId": "abc", "sheets": ["Attendance", "Sheet 2"]]))
            #expect(created.status == 200)
            #expect(created.json["spreadsheetId"] as? String == "abc")
            let credentials = try await client.send(.GET, "/control/credentials")
            #expect(credentials.json["type"] as? String == "service_account")
            #expect(credentials.json["token_uri"] as? String == "\(fake.baseURL)/token")
            #expect((credentials.json["private_key"] as? String)?.hasPrefix("-----BEGIN PRIVATE KEY-----") == true)
            for key in ["project_id", "private_key_id", "client_email", "client_id"] { #expect(credentials.json[key] is String) }

            let token = try await client.accessToken()
            #expect(try await client.append("abc", "'Sheet 2'!A1", [["x", "1"]], token: token).status == 200)
            let rows = try await client.send(.GET, "/control/spreadsheets/abc/sheets/Sheet%202/rows")
            #expect(rows.text == #"[["x","1"]]"#)
            let calls = try await client.send(.GET, "/control/calls?operation=append")
            let list = try #require(try JSONSerialization.jsonObject(with: calls.body) as? [[String: Any]])
            #expect(list.count == 1)
            #expect(list.first?["status"] as? Int == 200)
            #expect(list.first?["range"] as? String == "'Sheet 2'!A1")

            let fault = try await client.send(.POST, "/control/faults", body: client.json(["match": ["operation": "append"], "respond": ["status": 502], "times": 1]))
            let faultID = try #require(fault.json["id"] as? String)
            #expect(try await client.append("abc", "A1", [["y"]], token: token).status == 502)
            let second = try await client.send(.POST, "/control/faults", body: client.json(["match": ["operation": "get"], "delay": "10ms", "action": "garbage"]))
            #expect(second.status == 200)
            #expect(try await client.send(.DELETE, "/control/faults/\(faultID)").status == 200)
            #expect(try await client.send(.DELETE, "/control/faults/\(faultID)").status == 404)
            #expect(try await client.send(.DELETE, "/control/faults").status == 200)
            #expect(try await client.get("abc", "A1", token: token).status == 200)

            #expect(try await client.send(.POST, "/control/reset").status == 200)
            #expect(await fake.calls().isEmpty)
            #expect(try await client.send(.GET, "/control/spreadsheets/abc/sheets/Attendance/rows").status == 404)
            // Issued accounts and tokens stay valid after a reset.
            _ = try await fake.createSpreadsheet(id: "again")
            #expect(try await client.get("again", "A1", token: token).status == 200)
        }
    }

    @Test("bad control input is a 400 that says what is wrong", arguments: [
        ("/control/faults", #"{"match": {"operation": "delete"}, "respond": {"status": 500}}"#, "match.operation"),
        ("/control/faults", #"{"match": {"operation": "append"}, "delay": "soon"}"#, "\"delay\" must be a duration"),
        ("/control/faults", #"{"match": {"operation": "append"}}"#, "at least one of"),
        ("/control/faults", #"{"respond": {"status": 500}, "action": "reset"}"#, "exclude each other"),
        ("/control/faults", #"{"respond": {"status": 500}, "probability": 2}"#, "probability"),
        ("/control/faults", #"{"respond": {"status": 500}, "colour": 1}"#, "unknown key 'colour'"),
        ("/control/spreadsheets", #"{"sheets": "Attendance"}"#, "array of sheet titles"),
        ("/control/spreadsheets", #"{"sheets": ["A", "A"]}"#, "unique"),
        ("/control/spreadsheets", #"not json"#, "JSON object"),
    ])
    func badInput(_ c: (String, String, String)) async throws {
        try await FakeSheets.withRunning(.testing()) { fake in
            let client = SheetsTestClient(fake: fake)
            let answer = try await client.send(.POST, c.0, body: Data(c.1.utf8))
            #expect(answer.status == 400)
            #expect((answer.json["error"] as? String)?.contains(c.2) == true, "\(answer.text)")
        }
    }

    @Test("a second spreadsheet with the same id is a 409")
    func duplicate() async throws {
        try await FakeSheets.withRunning(.testing()) { fake in
            let client = SheetsTestClient(fake: fake)
            _ = try await fake.createSpreadsheet(id: "dup")
            let answer = try await client.send(.POST, "/control/spreadsheets", body: client.json(["spreadsheetId": "dup"]))
            #expect(answer.status == 409)
        }
    }

    @Test("withRunning shuts the server down when the body throws")
    func shutsDownOnError() async throws {
        struct Boom: Error {}
        let box = URLBox()
        await #expect(throws: Boom.self) {
            try await FakeSheets.withRunning(.testing()) { fake in
                let id = try await fake.createSpreadsheet(sheets: ["Attendance"])
                box.set(fake.baseURL + "/control/spreadsheets/\(id)/sheets/Attendance/rows")
                throw Boom()
            }
        }
        // Tests run in parallel: the freed port may already serve another test's fake, which does
        // not know this spreadsheet. Gone means no answer, or not this fake's 200.
        let url = try #require(box.get())
        let answer = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        #expect(answer == nil || answer?.status != .ok, "the fake still answers for its spreadsheet")
    }
}

final class URLBox: Sendable {
    private let value = Mutex<String?>(nil)
    func set(_ url: String) { value.withLock { $0 = url } }
    func get() -> String? { value.withLock { $0 } }
}
