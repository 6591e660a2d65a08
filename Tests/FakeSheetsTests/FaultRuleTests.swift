import AsyncHTTPClient
import Foundation
import FakeSheets
import NIOHTTP1
import Testing

@Suite("Fault rules: status, Google errors, delay, timeout, reset, close, garbage, times/after/probability")
struct FaultRuleTests {
    @Test("a status fault answers Google's envelope with Retry-After, and the faulted append writes nothing")
    func statusFault() async throws {
        try await withSpreadsheet { fake, client, token, id in
            _ = try await fake.addFault(SheetsFaultRule(operation: .append, respond: .init(status: 503, retryAfter: 3), times: 1))
            let faulted = try await client.append(id, "Attendance!A1", [["x"]], token: token)
            #expect(faulted.status == 503)
            #expect(faulted.googleStatus == "UNAVAILABLE")
            #expect(faulted.headers.first(name: "Retry-After") == "3")
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance").isEmpty)
            // times: 1 — the next append goes through.
            #expect(try await client.append(id, "Attendance!A1", [["x"]], token: token).status == 200)
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance") == [["x"]])
            let calls = await fake.calls().filter { $0.operation == "append" }
            #expect(calls.map(\.status) == [503, 200])
            #expect(calls.first?.faultID != nil)
        }
    }

    @Test("a bare 429 fault carries Google's quota message and RATE_LIMIT_EXCEEDED detail")
    func quotaFault() async throws {
        try await withSpreadsheet { fake, client, token, id in
            _ = try await fake.addFault(SheetsFaultRule(operation: .append, respond: .init(status: 429)))
            let answer = try await client.append(id, "Attendance!A1", [["x"]], token: token)
            #expect(answer.status == 429)
            #expect(answer.googleStatus == "RESOURCE_EXHAUSTED")
            #expect(answer.googleMessage?.hasPrefix("Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user'") == true)
            #expect(answer.text.contains("RATE_LIMIT_EXCEEDED"))
        }
    }

    @Test("a token fault answers the OAuth error shape")
    func tokenFault() async throws {
        try await FakeSheets.withRunning(.testing()) { fake in
            let client = SheetsTestClient(fake: fake)
            _ = try await fake.addFault(SheetsFaultRule(operation: .token, respond: .init(status: 500), times: 1))
            let answer = try await client.exchange(try await client.assertion())
            #expect(answer.status == 500)
            #expect(answer.json["error"] as? String == "internal_failure")
            #expect(try await client.exchange(try await client.assertion()).status == 200)
        }
    }

    @Test("after skips the first N matches; times limits how many fire; other operations are not matched")
    func afterAndTimes() async throws {
        try await withSpreadsheet { fake, client, token, id in
            _ = try await fake.addFault(SheetsFaultRule(operation: .append, respond: .init(status: 500), times: 2, after: 1))
            var statuses: [Int] = []
            for i in 0..<4 {
                statuses.append(try await client.append(id, "Attendance!A1", [["\(i)"]], token: token).status)
            }
            #expect(statuses == [200, 500, 500, 200])
            #expect(try await client.get(id, "A1", token: token).status == 200)
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance") == [["0"], ["3"]])
        }
    }

    @Test("probability draws from the seeded generator: the same seed fires on the same requests")
    func seededProbability() async throws {
        @Sendable func pattern(seed: UInt64) async throws -> [Int] {
            try await FakeSheets.withRunning(.testing(seed: seed)) { fake in
                let client = SheetsTestClient(fake: fake)
                let id = try await fake.createSpreadsheet()
                let token = try await client.accessToken()
                _ = try await fake.addFault(SheetsFaultRule(operation: .get, respond: .init(status: 500), probability: 0.5))
                var statuses: [Int] = []
                for _ in 0..<24 { statuses.append(try await client.get(id, "A1", token: token).status) }
                return statuses
            }
        }
        let first = try await pattern(seed: 42)
        #expect(first.contains(500) && first.contains(200))
        #expect(try await pattern(seed: 42) == first)
    }

    @Test("a delay fault holds the append before writing: held is observable, then the row is written once")
    func delayHoldsBeforeWriting() async throws {
        try await withSpreadsheet { fake, client, token, id in
            _ = try await fake.addFault(SheetsFaultRule(operation: .append, delay: .milliseconds(1500), times: 1))
            async let append = client.append(id, "Attendance!A1", [["held"]], token: token)
            var held: [SheetsCall] = []
            while held.isEmpty {
                held = await fake.heldRequests()
                if held.isEmpty { await Task.yield() }
            }
            #expect(held.first?.operation == "append")
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance").isEmpty)
            let control = try await client.send(.GET, "/control/held")
            #expect(control.text.contains("\"operation\":\"append\""))
            let answer = try await append
            #expect(answer.status == 200)
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance") == [["held"]])
            #expect(await fake.heldRequests().isEmpty)
        }
    }

    @Test("a timeout fault never answers (the client gives up) and is released at shutdown")
    func timeoutFault() async throws {
        try await withSpreadsheet { fake, client, token, id in
            _ = try await fake.addFault(SheetsFaultRule(operation: .append, action: .timeout, times: 1))
            var request = HTTPClientRequest(url: "\(fake.baseURL)/v4/spreadsheets/\(id)/values/A1:append?valueInputOption=RAW")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.body = .bytes(ByteBuffer(string: #"{"values":[["never"]]}"#))
            await #expect(throws: (any Error).self) {
                _ = try await HTTPClient.shared.execute(request, timeout: .milliseconds(700))
            }
            #expect(await fake.heldRequests().count == 1)
            let value116 = try await fake.rows(spreadsheetID: id, sheet: "Attendance")
            #expect(value116.isEmpty)
        }
    }

    @Test("reset and close drop the connection; garbage answers a 200 that is not JSON; none of them writes", arguments: [
        SheetsFaultRule.Action.reset, .close, .garbage,
    ])
    func connectionFaults(_ action: SheetsFaultRule.Action) async throws {
        try await withSpreadsheet { fake, client, token, id in
            _ = try await fake.addFault(SheetsFaultRule(operation: .append, action: action, times: 1))
            if action == .garbage {
                let answer = try await client.append(id, "Attendance!A1", [["x"]], token: token)
                #expect(answer.status == 200)
                #expect((try? JSONSerialization.jsonObject(with: answer.body)) == nil)
            } else {
                await #expect(throws: (any Error).self) {
                    _ = try await client.append(id, "Attendance!A1", [["x"]], token: token)
                }
            }
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance").isEmpty)
            // The fake keeps serving afterwards.
            #expect(try await client.append(id, "Attendance!A1", [["after"]], token: token).status == 200)
            #expect(try await fake.rows(spreadsheetID: id, sheet: "Attendance") == [["after"]])
        }
    }

    @Test("removeFaults(id:) removes one rule; removeFaults() all")
    func removal() async throws {
        try await withSpreadsheet { fake, client, token, id in
            let first = try await fake.addFault(SheetsFaultRule(operation: .get, respond: .init(status: 500)))
            _ = try await fake.addFault(SheetsFaultRule(operation: .append, respond: .init(status: 502)))
            await fake.removeFaults(id: first)
            let value148 = try await client.get(id, "A1", token: token)
            #expect(value148.status == 200)
            let value149 = try await client.append(id, "A1", [["x"]], token: token)
            #expect(value149.status == 502)
            await fake.removeFaults()
            let value151 = try await client.append(id, "A1", [["x"]], token: token)
            #expect(value151.status == 200)
        }
    }
}

import NIOCore
import MetroSupport

@Suite("SheetsFaultRule JSON, as DESIGN.md writes it")
struct FaultRuleJSONTests {
    @Test("the DESIGN.md example parses to the same rule as the Swift initializer")
    func parsesDesignExample() throws {
        let rule = try SheetsFaultRule(json: Data(#"{"match": {"operation": "append"}, "respond": {"status": 502, "body": "bad gateway", "retry_after": 3}, "delay": "2s", "times": 3, "after": 1, "probability": 0.5}"#.utf8))
        #expect(rule == SheetsFaultRule(operation: .append, respond: .init(status: 502, body: "bad gateway", retryAfter: 3),
                                  delay: .seconds(2), times: 3, after: 1, probability: 0.5))
        let delay = try SheetsFaultRule(json: Data(#"{"match": {"operation": "token"}, "delay": "250ms", "action": "timeout"}"#.utf8))
        #expect(delay.delay == .milliseconds(250))
        #expect(delay.action == .timeout)
    }

    @Test("an invalid rule throws invalidFaultRule naming the problem")
    func rejects() {
        #expect(throws: FaultRuleError.self) { try SheetsFaultRule(json: Data(#"{"match": {"operation": "append"}, "times": 0, "respond": {"status": 500}}"#.utf8)) }
        #expect(throws: FaultRuleError.self) { try SheetsFaultRule(json: Data("[]".utf8)) }
    }
}
