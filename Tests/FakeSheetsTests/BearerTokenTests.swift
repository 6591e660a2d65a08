import Foundation
import NIOCore
import FakeSheets
import NIOHTTP1
import Testing
import MetroSupport

@Suite("Bearer tokens on the Sheets API: Google's 401/403 answers")
struct BearerTokenTests {
    @Test("no credentials at all → 403 PERMISSION_DENIED, missing API key")
    func noCredentials() async throws {
        try await FakeSheets.withRunning(.testing()) { fake in
            let client = SheetsTestClient(fake: fake)
            let id = try await fake.createSpreadsheet()
            let answer = try await client.send(.GET, "/v4/spreadsheets/\(id)/values/A1")
            #expect(answer.status == 403)
            #expect(answer.googleStatus == "PERMISSION_DENIED")
            #expect(answer.googleMessage == "The request is missing a valid API key.")
        }
    }

    @Test("a write's credentials are checked before its own errors, and the journal records every write's status")
    func credentialsFirst() async throws {
        try await FakeSheets.withRunning(.testing()) { fake in
            let client = SheetsTestClient(fake: fake)
            let id = try await fake.createSpreadsheet()
            let path = "/v4/spreadsheets/\(id)/values/A1:append?valueInputOption=PARSED"
            let malformed = Data(#"{"values": [["x"]"#.utf8)
            #expect(try await client.send(.POST, path, body: malformed).status == 403)
            #expect(try await client.send(.POST, path, body: malformed, bearer: "ya29.not-issued").status == 401)
            let token = try await client.accessToken()
            let invalidOption = try await client.send(.POST, path, body: malformed, bearer: token)
            #expect(invalidOption.status == 400)
            #expect(invalidOption.googleMessage?.contains("value_input_option") == true)
            let invalidBody = try await client.send(.POST, "/v4/spreadsheets/\(id)/values/A1:append?valueInputOption=RAW", body: malformed, bearer: token)
            #expect(invalidBody.googleMessage == "Invalid JSON payload received. Unexpected token.")
            #expect(try await client.update(id, "A1", [["ok"]], token: token).status == 200)
            let writes = await fake.calls().filter { $0.operation == "append" || $0.operation == "update" }
            #expect(writes.map(\.status) == [403, 401, 400, 400, 200])
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance") == [["ok"]])
        }
    }

    @Test("an unknown token → 401 UNAUTHENTICATED with Google's message and WWW-Authenticate")
    func unknownToken() async throws {
        try await FakeSheets.withRunning(.testing()) { fake in
            let client = SheetsTestClient(fake: fake)
            let id = try await fake.createSpreadsheet()
            let answer = try await client.get(id, "A1", token: "ya29.not-issued")
            #expect(answer.status == 401)
            #expect(answer.googleStatus == "UNAUTHENTICATED")
            #expect(answer.googleMessage?.hasPrefix("Request had invalid authentication credentials. Expected OAuth 2 access token") == true)
            #expect(answer.headers.first(name: "WWW-Authenticate")?.contains("invalid_token") == true)
        }
    }

    @Test("an expired token → 401 with reason ACCESS_TOKEN_EXPIRED; a fresh exchange works again")
    func expiredToken() async throws {
        try await FakeSheets.withRunning(.testing()) { fake in
            let client = SheetsTestClient(fake: fake)
            let id = try await fake.createSpreadsheet()
            let token = try await client.accessToken()
            #expect(try await client.get(id, "A1", token: token).status == 200)
            await fake.expireAccessTokens()
            let answer = try await client.get(id, "A1", token: token)
            #expect(answer.status == 401)
            #expect(answer.text.contains("ACCESS_TOKEN_EXPIRED"))
            #expect(try await client.get(id, "A1", token: try await client.accessToken()).status == 200)
        }
    }

    @Test("a read-only scope can read but not append (403 insufficient scopes)")
    func readOnlyScope() async throws {
        try await FakeSheets.withRunning(.testing()) { fake in
            let client = SheetsTestClient(fake: fake)
            let id = try await fake.createSpreadsheet()
            let answer = try await client.exchange(try await client.assertion(claims: ["scope": "https://www.googleapis.com/auth/spreadsheets.readonly"]))
            let token = try #require(answer.json["access_token"] as? String)
            #expect(try await client.get(id, "A1", token: token).status == 200)
            let write = try await client.append(id, "A1", [["x"]], token: token)
            #expect(write.status == 403)
            #expect(write.googleMessage == "Request had insufficient authentication scopes.")
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance").isEmpty)
        }
    }

    @Test("a spreadsheet not shared with the service account → 403 The caller does not have permission")
    func notShared() async throws {
        try await FakeSheets.withRunning(.testing()) { fake in
            let client = SheetsTestClient(fake: fake)
            let token = try await client.accessToken()
            let created = try await client.send(.POST, "/control/spreadsheets",
                                                body: client.json(["spreadsheetId": "private", "sharedWith": ["someone@example.iam.gserviceaccount.com"]]))
            #expect(created.status == 200)
            let answer = try await client.get("private", "A1", token: token)
            #expect(answer.status == 403)
            #expect(answer.googleMessage == "The caller does not have permission")
        }
    }
}
