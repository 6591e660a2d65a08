@testable import ChaosKit
@testable import FakeSheets
import Foundation
import MetroSupport
import Testing

@Suite struct SheetsRequestLogTests {
    static func call(status: Int?, held: Bool = false, finished: Bool, faultID: String? = nil) -> SheetsCall {
        SheetsCall(id: 1, at: Date(), status: status, faultID: faultID, held: held, finished: finished,
                   details: SheetsCallDetails(operation: "token", method: "POST", path: "/token", spreadsheetID: nil, range: nil))
    }

    @Test("a Sheets request is logged once it is answered or dropped, never while in flight or held", arguments: [
        (call(status: nil, finished: false), nil),
        (call(status: nil, held: true, finished: false), nil),
        (call(status: 400, finished: true), "POST /token 400 (token)"),
        (call(status: nil, finished: true, faultID: "fault-1"), "POST /token no answer (connection dropped) (token, fault fault-1)"),
    ] as [(SheetsCall, String?)])
    func line(call: SheetsCall, expected: String?) {
        #expect(SheetsRequestLog.line(call) == expected)
    }

    @Test("the fake's journal marks a request finished only once it is answered")
    func journal() async throws {
        let state = try SheetsState(configuration: FakeSheets.Configuration(serviceAccountKeyPEM: TestKeys.fake))
        let id = await state.beginCall(operation: "token", method: "POST", path: "/token", spreadsheetID: nil, range: nil)
        #expect(await state.calls().map(\.finished) == [false])
        await state.finishCall(id, status: 400)
        #expect(await state.calls().map(\.finished) == [true])
        #expect(await state.calls().map(\.status) == [400])
    }
}
