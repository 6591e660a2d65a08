import Foundation
import NIOHTTP1
import NIOCore
import FakeSheets
import Testing

@Suite("Per-minute quotas")
struct QuotaTests {
    @Test("writes beyond the per-user quota get Google's 429 with its ErrorInfo; reads have their own quota; nothing is written")
    func perUserWriteQuota() async throws {
        let quotas = FakeSheets.Quotas(readRequestsPerMinutePerUser: 3, writeRequestsPerMinutePerUser: 2)
        try await withSpreadsheet(.init(quotas: quotas)) { fake, client, token, id in
            #expect(try await client.append(id, "A1", [["1"]], token: token).status == 200)
            #expect(try await client.append(id, "A1", [["2"]], token: token).status == 200)
            let third = try await client.append(id, "A1", [["3"]], token: token)
            #expect(third.status == 429)
            #expect(third.googleStatus == "RESOURCE_EXHAUSTED")
            #expect(third.googleMessage?.hasPrefix("Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:") == true)
            let details = try #require((third.json["error"] as? [String: Any])?["details"] as? [[String: Any]])
            let info = try #require(details.first { $0["@type"] as? String == "type.googleapis.com/google.rpc.ErrorInfo" })
            #expect(info["reason"] as? String == "RATE_LIMIT_EXCEEDED")
            #expect((info["metadata"] as? [String: Any])?["quota_limit"] as? String == "WriteRequestsPerMinutePerUser")
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance") == [["1"], ["2"]])
            // A batchGet counts as one read.
            let batch = try await client.send(.GET, "/v4/spreadsheets/\(id)/values:batchGet?ranges=A1&ranges=A2&ranges=A3&ranges=A4", bearer: token)
            #expect(batch.status == 200)
            #expect(try await client.get(id, "A1", token: token).status == 200)
            #expect(try await client.get(id, "A1", token: token).status == 200)
            let read = try await client.get(id, "A1", token: token)
            #expect(read.status == 429)
            #expect(read.googleMessage?.contains("'Read requests per minute per user'") == true)
        }
    }

    @Test("the per-project quota applies across the project's service accounts")
    func perProjectQuota() async throws {
        let quotas = FakeSheets.Quotas(writeRequestsPerMinutePerProject: 1)
        try await withSpreadsheet(.init(quotas: quotas)) { _, client, token, id in
            #expect(try await client.append(id, "A1", [["1"]], token: token).status == 200)
            let second = try await client.append(id, "A1", [["2"]], token: token)
            #expect(second.status == 429)
            #expect(second.googleMessage?.contains("limit 'Write requests per minute' of service") == true)
        }
    }

    @Test("without quotas configured nothing is limited")
    func noQuotas() async throws {
        try await withSpreadsheet { _, client, token, id in
            for i in 0..<70 { let answer = try await client.get(id, "A\(i + 1)", token: token); #expect(answer.status == 200) }
        }
    }
}
