import Foundation
import NIOHTTP1
import NIOCore
import FakeSheets
import Testing

/// A temporary directory owned by one test, removed afterwards (on failure too).
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fake-sheets-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

@Suite("Persistence to a SQLite file across restarts")
struct PersistenceTests {
    @Test("spreadsheets, sheets, rows and the service account survive a restart on the same file")
    func survivesRestart() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("sheets.sqlite").path
            let (id, keyJSON) = try await FakeSheets.withRunning(.init(databasePath: path)) { fake in
                let client = SheetsTestClient(fake: fake)
                let id = try await fake.createSpreadsheet(sheets: ["Attendance", "Other"])
                let token = try await client.accessToken()
                #expect(try await client.append(id, "Attendance!A1", [["a", "1"], ["b", "2"]], token: token).status == 200)
                #expect(try await client.append(id, "Attendance!A1", [["c", "true"]], token: token,
                                                query: "valueInputOption=RAW&insertDataOption=INSERT_ROWS").status == 200)
                let added = try await client.send(.POST, "/v4/spreadsheets/\(id):batchUpdate",
                                                  body: client.json(["requests": [["addSheet": ["properties": ["title": "Added"]]]]]), bearer: token)
                #expect(added.status == 200)
                return (id, await fake.serviceAccountKeyJSON())
            }
            #expect(FileManager.default.fileExists(atPath: path))
            try await FakeSheets.withRunning(.init(databasePath: path)) { fake in
                let client = SheetsTestClient(fake: fake)
                #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance") == [["a", "1"], ["b", "2"], ["c", "true"]])
                #expect(try await fake.rows(spreadsheetID: id, sheet: "Added").isEmpty)
                // The same private key still signs valid assertions (only token_uri's port changed).
                let old = try #require(try JSONSerialization.jsonObject(with: keyJSON) as? [String: String])
                let current = try await client.keyFile()
                #expect(old["private_key"] == current["private_key"])
                let token = try await client.accessToken()
                let raw = try await client.get(id, "Attendance!B1:B3", token: token, query: "valueRenderOption=UNFORMATTED_VALUE")
                let values = try #require(raw.json["values"] as? [[Any]])
                #expect(values[0].first as? Int == 1)
                #expect(values[2].first as? String == "true")
                #expect(try await client.append(id, "Attendance!A1", [["d"]], token: token).status == 200)
            }
            try await FakeSheets.withRunning(.init(databasePath: path)) { fake in
                let value50 = try await fake.rows(spreadsheetID: id, sheet: "Attendance")
                #expect(value50.last == ["d"])
                await fake.reset()
            }
            try await FakeSheets.withRunning(.init(databasePath: path)) { fake in
                await #expect(throws: FakeSheetsError.self) { try await fake.rows(spreadsheetID: id, sheet: "Attendance") }
            }
        }
    }

    @Test("sheets deleted, renamed, resized and cleared by the batch calls stay so after a restart")
    func batchChangesSurviveRestart() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("sheets.sqlite").path
            let id = try await FakeSheets.withRunning(.testing(databasePath: path)) { fake in
                let client = SheetsTestClient(fake: fake)
                let id = try await fake.createSpreadsheet(sheets: ["Attendance", "Other"])
                let token = try await client.accessToken()
                _ = try await client.update(id, "Attendance!A1", [["a", "b"], ["c", "d"]], token: token)
                _ = try await client.update(id, "Other!A1", [["x"]], token: token)
                let other = try #require(try await client.sheetProperties(id, token: token).last?["sheetId"] as? Int)
                let answer = try await client.batchUpdate(id, [
                    ["deleteSheet": ["sheetId": other]],
                    ["updateSheetProperties": ["properties": ["sheetId": 0, "title": "Other", "gridProperties": ["rowCount": 10]],
                                               "fields": "title,gridProperties.rowCount"]],
                    ["insertDimension": ["range": ["sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1]]],
                ], token: token)
                #expect(answer.status == 200, "\(answer.text)")
                #expect(try await client.batchClear(id, ["Other!B:B"], token: token).status == 200)
                return id
            }
            try await FakeSheets.withRunning(.testing(databasePath: path)) { fake in
                let client = SheetsTestClient(fake: fake)
                let token = try await client.accessToken()
                let properties = try await client.sheetProperties(id, token: token)
                #expect(properties.map { $0["title"] as? String } == ["Other"])
                #expect((properties.first?["gridProperties"] as? [String: Any])?["rowCount"] as? Int == 11)
                #expect(try await fake.rows(spreadsheetID: id, sheet: "Other") == [[], ["a"], ["c"]])
            }
        }
    }

    @Test("an in-memory fake (the default) forgets everything on restart")
    func inMemory() async throws {
        let id = try await FakeSheets.withRunning(.testing()) { fake in try await fake.createSpreadsheet(id: "gone") }
        try await FakeSheets.withRunning(.testing()) { fake in
            await #expect(throws: FakeSheetsError.self) { try await fake.rows(spreadsheetID: id, sheet: "Attendance") }
        }
    }
}
