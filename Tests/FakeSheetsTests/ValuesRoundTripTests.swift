import Foundation
import NIOHTTP1
import NIOCore
import FakeSheets
import Testing

@Suite("values.append and values.get round trip")
struct ValuesRoundTripTests {
    @Test("an appended row is stored, read back by values.get and by rows(spreadsheetID:sheet:)")
    func appendThenRead() async throws {
        try await FakeSheets.withRunning { fake in
            let client = SheetsTestClient(fake: fake)
            let token = try await client.accessToken()
            let id = try await fake.createSpreadsheet()
            let first = try await client.append(id, "Attendance!A1", [["2024-05-01T08:00:00Z", "1001", "ana", "check_in", "40.4168"]], token: token)
            #expect(first.status == 200, "\(first.text)")
            let updates = try #require(first.json["updates"] as? [String: Any])
            #expect(updates["updatedRange"] as? String == "Attendance!A1:E1")
            #expect(first.json["tableRange"] == nil)
            let second = try await client.append(id, "Attendance!A1", [["2024-05-01T17:00:00Z", "1001", "ana", "check_out", "40.4168"]], token: token)
            #expect(second.json["tableRange"] as? String == "Attendance!A1:E1")
            #expect((second.json["updates"] as? [String: Any])?["updatedRange"] as? String == "Attendance!A2:E2")
            let read = try await client.get(id, "Attendance", token: token)
            #expect(read.json["range"] as? String == "Attendance!A1:Z1000")
            #expect(read.values == [["2024-05-01T08:00:00Z", "1001", "ana", "check_in", "40.4168"],
                                    ["2024-05-01T17:00:00Z", "1001", "ana", "check_out", "40.4168"]])
            let rows = try await fake.rows(spreadsheetID: id, sheet: "Attendance")
            #expect(rows.count == 2)
            #expect(rows[1][3] == "check_out")
        }
    }
}
