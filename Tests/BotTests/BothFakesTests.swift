import AsyncHTTPClient
import FakeSheets
import FakeTelegram
import Foundation
import MetroSupport
import NIOCore
import NIOHTTP1
import Testing

/// Both fakes in one file, as another team would use them: their fault rules, journals and
/// servers compose without typealiases, and their APIs read alike.
@Suite struct BothFakesTests {
    /// Sends `method` to `url` and returns the status.
    static func status(_ method: HTTPMethod, _ url: String, body: String? = nil) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    @Test("one fault rule per fake fires, and each journal names it by id in the same shape")
    func faultsAndJournals() async throws {
        try await FakeTelegram.withRunning { telegram in
            try await FakeSheets.withRunning { sheets in
                let bot = await telegram.registerBot()
                let telegramRule = TelegramFaultRule(match: TelegramFaultMatch(method: "getMe"), respond: .init(status: 503), times: 1)
                let sheetsRule = SheetsFaultRule(operation: .token, respond: .init(status: 503), times: 1)
                let telegramFault = try await telegram.addFault(telegramRule)
                let sheetsFault = try await sheets.addFault(sheetsRule)

                #expect(try await Self.status(.GET, "\(telegram.baseURL)/bot\(bot.token)/getMe") == 503)
                #expect(try await Self.status(.POST, "\(sheets.baseURL)/token", body: "grant_type=password") == 503)

                let telegramCalls: [TelegramCall] = try await telegram.calls(method: "getMe")
                let sheetsCalls: [SheetsCall] = await sheets.calls(operation: "token")
                #expect(telegramCalls.map(\.faultID) == [telegramFault])
                #expect(sheetsCalls.map(\.faultID) == [sheetsFault])
                #expect(telegramCalls.map(\.status) == [503])
                #expect(sheetsCalls.map(\.status) == [503])
                #expect(telegramCalls.first?.method == "getMe")
                #expect(sheetsCalls.first?.operation == "token")

                let common: Set<String> = ["id", "at", "status", "faultId", "held"]
                for json in [telegramCalls.first?.json, sheetsCalls.first?.json] {
                    let members = try #require(json?.objectValue)
                    #expect(common.isSubset(of: Set(members.keys)), "\(members.keys.sorted())")
                    #expect(members["at"]?.stringValue?.hasSuffix("Z") == true)
                }

                #expect(try await telegram.removeFaults() == true)
                #expect(await sheets.removeFaults() == true)
                #expect(try await telegram.removeFaults() == false)
                #expect(await sheets.removeFaults() == false)
            }
        }
    }

    @Test("each fake refuses the other's match key, naming it and what it allows")
    func foreignMatchKeys() throws {
        let telegramJSON = Data(#"{"match": {"operation": "append"}, "respond": {"status": 503}}"#.utf8)
        let sheetsJSON = Data(#"{"match": {"method": "getMe"}, "respond": {"status": 503}}"#.utf8)
        #expect(throws: FaultRuleError("unknown key 'operation' in match; expected method")) {
            try TelegramFaultRule(json: telegramJSON)
        }
        #expect(throws: FaultRuleError("unknown key 'method' in match; expected operation")) {
            try SheetsFaultRule(json: sheetsJSON)
        }
    }
}
