import Foundation
import FakeSheets
import NIOHTTP1
import Testing

@Suite("POST /token: the service-account JWT-bearer grant")
struct TokenExchangeTests {
    @Test("a JWT signed with the issued key gets a Bearer token valid for 3599 s that the API accepts")
    func goodAssertion() async throws {
        try await FakeSheets.withRunning { fake in
            let client = SheetsTestClient(fake: fake)
            let answer = try await client.exchange(try await client.assertion())
            #expect(answer.status == 200)
            #expect(answer.headers.first(name: "Content-Type") == "application/json; charset=UTF-8")
            #expect(answer.json["token_type"] as? String == "Bearer")
            #expect(answer.json["expires_in"] as? Int == 3599)
            let token = try #require(answer.json["access_token"] as? String)
            let id = try await fake.createSpreadsheet()
            let read = try await client.get(id, "Attendance!A1:B2", token: token)
            #expect(read.status == 200)
        }
    }
}
