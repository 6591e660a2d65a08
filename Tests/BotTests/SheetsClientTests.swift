import _CryptoExtras
import AsyncHTTPClient
@testable import Bot
import FakeSheets
import Foundation
import Logging
import Testing
import MetroSupport

@Suite struct SheetRangeTests {
    @Test("sheet names are quoted, inner quotes doubled, and percent-encoded as one path segment", arguments: [
        ("Attendance", "A:J", "'Attendance'!A:J", "'Attendance'!A:J"),
        ("Attendance", "J:J", "'Attendance'!J:J", "'Attendance'!J:J"),
        ("Site log", "A:J", "'Site log'!A:J", "'Site%20log'!A:J"),
        ("Ana's sheet", "A:J", "'Ana''s sheet'!A:J", "'Ana''s%20sheet'!A:J"),
        ("2026/11 #1?", "A:J", "'2026/11 #1?'!A:J", "'2026%2F11%20%231%3F'!A:J"),
        ("Asistencia ñ", "A:J", "'Asistencia ñ'!A:J", "'Asistencia%20%C3%B1'!A:J"),
        ("100%", "A:J", "'100%'!A:J", "'100%25'!A:J"),
    ])
    func encodesRanges(sheet: String, columns: String, a1: String, segment: String) {
        let range = SheetRange(sheetName: sheet, columns: columns)
        #expect(range.a1 == a1)
        #expect(range.pathSegment == segment)
    }

    @Test("row keys are read from string and number cells; the header and blanks are not keys", arguments: [
        ("42", Int64(42)), (" 43 ", 43), ("update_id", nil), ("", nil), ("4.5", nil),
    ] as [(String, Int64?)])
    func rowKeysFromStrings(cell: String, key: Int64?) {
        #expect(SheetsClient.rowKey(cell) == key)
    }

    @Test("numeric cells give integer keys; fractional numbers are not keys")
    func rowKeysFromNumbers() {
        #expect(SheetsClient.rowKey(44 as Int) == 44)
        #expect(SheetsClient.rowKey(45.0 as Double) == 45)
        #expect(SheetsClient.rowKey(45.5 as Double) == nil)
    }
}

// MARK: - Against the fake Sheets server

/// Everything a Sheets test needs: the fake, a spreadsheet with an `Attendance` sheet, the
/// service account's key, a token provider and a client. Stopped afterwards, on failure too.
private struct SheetsFixture: Sendable {
    let fake: FakeSheets
    let spreadsheetID: String
    let key: ServiceAccountKey
    let tokens: AccessTokenProvider
    let client: SheetsClient
    let http: HTTPClient

    /// A second client on the same spreadsheet, e.g. with another timeout.
    func client(timeout: Duration, sheetName: String = "Attendance", spreadsheetID: String? = nil) -> SheetsClient {
        SheetsClient(
            spreadsheetID: spreadsheetID ?? self.spreadsheetID, sheetName: sheetName, baseURL: fake.baseURL, tokens: tokens,
            httpClient: http, timeout: timeout, retryBackoff: Backoff(base: .milliseconds(10), maximum: .milliseconds(50)),
            logger: Logger(label: "test.sheets")
        )
    }

    func rows(sheet: String = "Attendance") async throws -> [[String]] {
        try await fake.rows(spreadsheetID: spreadsheetID, sheet: sheet)
    }

    func calls(_ operation: String) async -> [SheetsCall] {
        await fake.calls().filter { $0.operation == operation }
    }
}

private func withSheets(
    configuration: FakeSheets.Configuration = FakesForBot.sheetsConfiguration,
    timeout: Duration = .seconds(10),
    now: @escaping @Sendable () -> Date = { Date() },
    sheets: [String] = ["Attendance"],
    _ body: @Sendable (SheetsFixture) async throws -> Void
) async throws {
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        try await FakeSheets.withRunning(configuration) { fake in
            let spreadsheetID = try await fake.createSpreadsheet(sheets: sheets)
            let key = try ServiceAccountKey.decode(await fake.serviceAccountKeyJSON(), source: "fake credentials")
            let tokens = try AccessTokenProvider(
                key: key, httpClient: http, timeout: timeout,
                retryBackoff: Backoff(base: .milliseconds(10), maximum: .milliseconds(50)),
                logger: Logger(label: "test.tokens"), now: now
            )
            let client = SheetsClient(
                spreadsheetID: spreadsheetID, sheetName: "Attendance", baseURL: fake.baseURL, tokens: tokens,
                httpClient: http, timeout: timeout, retryBackoff: Backoff(base: .milliseconds(10), maximum: .milliseconds(50)),
                logger: Logger(label: "test.sheets")
            )
            try await body(SheetsFixture(fake: fake, spreadsheetID: spreadsheetID, key: key, tokens: tokens, client: client, http: http))
        }
    } catch {
        try? await http.shutdown()
        throw error
    }
    try await http.shutdown()
}

/// An attendance row as the outbox writes it, keyed by `updateID` in column J.
private func row(_ updateID: Int64, user: String = "1001", action: String = "check_in") -> [String] {
    ["2026-11-29T04:30:00Z", user, "ana", "Ana Pérez", action, "40.4168", "-3.7038", "Plaza Mayor", "12", String(updateID)]
}

/// A wall clock the test moves forward.
private final class OffsetClock: @unchecked Sendable {
    private let lock = NSLock()
    private var offset: TimeInterval = 0
    func now() -> Date { lock.lock(); defer { lock.unlock() }; return Date().addingTimeInterval(offset) }
    func advance(by seconds: TimeInterval) { lock.lock(); offset += seconds; lock.unlock() }
}

// Serialized: the fake servers share one service-account key, but two dozen servers verifying
// RS256 assertions at once on a shared 2-core machine still starve the other suites' servers.
@Suite(.serialized) struct SheetsClientTests {
    @Test("appended rows land in the sheet in order, as RAW text; existingRowKeys finds exactly the present keys")
    func appendAndFindKeys() async throws {
        try await withSheets { sheets in
            let header = ["timestamp", "user_id", "username", "full_name", "action", "latitude", "longitude", "site", "distance_m", "update_id"]
            try await sheets.client.appendRows([header])
            try await sheets.client.appendRows([row(101), row(102)])
            try await sheets.client.appendRows([row(103, action: "check_out")])
            let formula = ["2026-11-29T04:31:00Z", "1002", "=cmd()", "=1+1", "check_in", "0", "0", "outside", "5", "104"]
            try await sheets.client.appendRows([formula])

            let stored = try await sheets.rows()
            #expect(stored == [header, row(101), row(102), row(103, action: "check_out"), formula])
            #expect(try await sheets.client.existingRowKeys(among: [101, 103, 104, 105, 999]) == [101, 103, 104])
            #expect(try await sheets.client.existingRowKeys(among: [7]) == [])
            #expect(try await sheets.client.existingRowKeys(among: []) == [])

            let appends = await sheets.calls("append")
            #expect(appends.count == 4)
            #expect(appends.allSatisfy { $0.path == "/v4/spreadsheets/\(sheets.spreadsheetID)/values/'Attendance'!A1:append" }, "\(appends.map(\.path))")
        }
    }

    @Test("rows whose username column is empty in every row still land from column A, as Google places them")
    func emptyColumnDoesNotShiftRows() async throws {
        try await withSheets { sheets in
            // No user has a username: column C is empty in every row, which splits A:J into two tables.
            let noUsername = { (key: Int64) in ["2026-11-29T04:31:00Z", "1301", "", "Ivo", "check_in", "40.4", "-3.7", "Sol", "12", "\(key)"] }
            for key in Int64(1)...3 { try await sheets.client.appendRows([noUsername(key)]) }
            #expect(try await sheets.rows() == (Int64(1)...3).map(noUsername))
            #expect(try await sheets.client.existingRowKeys(among: [1, 2, 3]) == [1, 2, 3])
        }
    }

    @Test("existingRowKeys on an empty sheet finds nothing")
    func emptySheet() async throws {
        try await withSheets { sheets in
            let keys = try await sheets.client.existingRowKeys(among: [1, 2, 3])
            #expect(keys.isEmpty)
        }
    }

    @Test("a sheet name with spaces and a quote is quoted and percent-encoded correctly")
    func unusualSheetName() async throws {
        try await withSheets(sheets: ["Ana's site log"]) { sheets in
            let client = sheets.client(timeout: .seconds(10), sheetName: "Ana's site log")
            try await client.appendRows([row(7)])
            #expect(try await sheets.rows(sheet: "Ana's site log") == [row(7)])
            #expect(try await client.existingRowKeys(among: [7, 8]) == [7])
        }
    }

    @Test("many appends, concurrent and sequential, share one token exchange")
    func tokenIsCached() async throws {
        try await withSheets { sheets in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask { try await sheets.client.appendRows([row(Int64(200 + index))]) }
                }
                try await group.waitForAll()
            }
            for index in 0..<5 {
                try await sheets.client.appendRows([row(Int64(300 + index))])
            }
            #expect(try await sheets.rows().count == 13)
            #expect(await sheets.calls("token").count == 1)
            #expect(await sheets.tokens.exchangeCount() == 1)
        }
    }

    @Test("a token is exchanged again once it is about to expire")
    func refreshBeforeExpiry() async throws {
        // Tokens live 200 s; with the 60 s margin the provider refreshes after 140 s.
        let clock = OffsetClock()
        var configuration = FakesForBot.sheetsConfiguration
        configuration.tokenLifetime = .seconds(200)
        try await withSheets(configuration: configuration, now: { clock.now() }) { sheets in
            try await sheets.client.appendRows([row(1)])
            clock.advance(by: 100)
            try await sheets.client.appendRows([row(2)])
            #expect(await sheets.calls("token").count == 1)
            clock.advance(by: 50)
            try await sheets.client.appendRows([row(3)])
            #expect(await sheets.calls("token").count == 2)
            #expect(try await sheets.rows() == [row(1), row(2), row(3)])
        }
    }

    @Test("a 401 for an expired token refreshes the token and retries once, appending exactly once")
    func refreshAfter401() async throws {
        try await withSheets { sheets in
            try await sheets.client.appendRows([row(1)])
            await sheets.fake.expireAccessTokens()
            try await sheets.client.appendRows([row(2)])
            #expect(try await sheets.rows() == [row(1), row(2)])
            #expect(await sheets.calls("token").count == 2)
            #expect(await sheets.calls("append").map(\.status) == [200, 401, 200])
        }
    }

    @Test("a 401 that persists after the refresh is unauthenticated, not retried forever")
    func persistent401() async throws {
        try await withSheets { sheets in
            _ = try await sheets.fake.addFault(SheetsFaultRule(operation: .append, respond: .init(status: 401)))
            let error = await #expect(throws: SheetsError.self) { try await sheets.client.appendRows([row(1)]) }
            guard case .unauthenticated = error else { Issue.record("expected unauthenticated, got \(String(describing: error))"); return }
            #expect(error?.mayHaveBeenApplied == false)
            #expect(await sheets.calls("append").count == 2)
            #expect(await sheets.calls("token").count == 2)
        }
    }

    @Test("429 RESOURCE_EXHAUSTED and 503 are retried with backoff: nothing was written, so the append happens once")
    func retriesWhenNothingWasWritten() async throws {
        for status in [429, 503] {
            try await withSheets { sheets in
                _ = try await sheets.fake.addFault(SheetsFaultRule(operation: .append, respond: .init(status: status), times: 2))
                try await sheets.client.appendRows([row(1)])
                #expect(try await sheets.rows() == [row(1)])
                #expect(await sheets.calls("append").map(\.status) == [status, status, 200])
            }
        }
    }

    @Test("429 still after every attempt is rateLimited, retryable, and not applied")
    func rateLimitedAfterRetries() async throws {
        try await withSheets { sheets in
            _ = try await sheets.fake.addFault(SheetsFaultRule(operation: .append, respond: .init(status: 429)))
            let error = try #require(await #expect(throws: SheetsError.self) { try await sheets.client.appendRows([row(1)]) })
            guard case .rateLimited = error else { Issue.record("expected rateLimited, got \(error)"); return }
            #expect(error.isRetryable)
            #expect(!error.mayHaveBeenApplied)
            #expect(await sheets.calls("append").count == 3)
        }
    }

    @Test("a failure after which rows may be written is thrown at once, never retried inside the client",
          arguments: [
              ("500", SheetsFaultRule(operation: .append, respond: .init(status: 500), times: 1)),
              ("502", SheetsFaultRule(operation: .append, respond: .init(status: 502), times: 1)),
              ("close after headers", SheetsFaultRule(operation: .append, action: .close, times: 1)),
              ("reset", SheetsFaultRule(operation: .append, action: .reset, times: 1)),
              ("garbage 200", SheetsFaultRule(operation: .append, action: .garbage, times: 1)),
          ])
    func ambiguousFailures(label: String, rule: SheetsFaultRule) async throws {
        try await withSheets { sheets in
            _ = try await sheets.fake.addFault(rule)
            let error = try #require(await #expect(throws: SheetsError.self, "\(label)") { try await sheets.client.appendRows([row(5)]) })
            #expect(error.mayHaveBeenApplied, "\(label): \(error)")
            #expect(error.isRetryable, "\(label): \(error)")
            #expect(await sheets.calls("append").count == 1, "\(label)")

            // What the outbox worker then does: look for the key, append only what is missing.
            let present = try await sheets.client.existingRowKeys(among: [5])
            if !present.contains(5) { try await sheets.client.appendRows([row(5)]) }
            #expect(try await sheets.rows() == [row(5)], "\(label)")
        }
    }

    @Test("a timed-out append is reported as timeout with mayHaveBeenApplied, for a slow and for a silent server",
          arguments: [SheetsFaultRule(operation: .append, delay: .seconds(30), times: 1), SheetsFaultRule(operation: .append, action: .timeout, times: 1)])
    func timedOutAppend(rule: SheetsFaultRule) async throws {
        try await withSheets { sheets in
            try await sheets.client.appendRows([row(1)])  // the token is cached before the short deadline matters
            _ = try await sheets.fake.addFault(rule)
            let client = sheets.client(timeout: .milliseconds(300))
            let error = await #expect(throws: SheetsError.self) { try await client.appendRows([row(2)]) }
            #expect(error == .timeout(operation: .append))
            #expect(error?.mayHaveBeenApplied == true)
            #expect(error?.isRetryable == true)
            #expect(await sheets.calls("append").count == 2)
        }
    }

    @Test("a timed-out read is retried inside the client, since reading changes nothing")
    func timedOutReadIsRetried() async throws {
        try await withSheets { sheets in
            try await sheets.client.appendRows([row(9)])
            _ = try await sheets.fake.addFault(SheetsFaultRule(operation: .get, action: .timeout, times: 1))
            let client = sheets.client(timeout: .seconds(1))
            #expect(try await client.existingRowKeys(among: [9]) == [9])
            #expect(await sheets.calls("get").count == 2)
        }
    }

    @Test("Google's error envelope is decoded into a clear, non-retryable error", arguments: [
        (403, "permissionDenied", "share the spreadsheet"),
        (404, "notFound", "SPREADSHEET_ID"),
        (400, "rejected", "INVALID_ARGUMENT"),
    ])
    func googleErrors(status: Int, kind: String, hint: String) async throws {
        try await withSheets { sheets in
            _ = try await sheets.fake.addFault(SheetsFaultRule(operation: .append, respond: .init(status: status, message: "fake says no"), times: 1))
            let error = try #require(await #expect(throws: SheetsError.self) { try await sheets.client.appendRows([row(1)]) })
            #expect(Self.kind(of: error) == kind, "\(error)")
            #expect(!error.isRetryable)
            #expect(!error.mayHaveBeenApplied)
            #expect(error.description.contains("fake says no"))
            #expect(error.description.contains(hint), "\(error)")
        }
    }

    @Test("a missing sheet and an unknown spreadsheet are answered as Google does, without retries")
    func realNotFound() async throws {
        try await withSheets { sheets in
            let missingSheet = sheets.client(timeout: .seconds(5), sheetName: "Nope")
            let sheetError = try #require(await #expect(throws: SheetsError.self) { try await missingSheet.appendRows([row(1)]) })
            #expect(!sheetError.isRetryable, "\(sheetError)")
            let missingSpreadsheet = sheets.client(timeout: .seconds(5), spreadsheetID: "doesNotExist123")
            let spreadsheetError = try #require(await #expect(throws: SheetsError.self) { try await missingSpreadsheet.appendRows([row(1)]) })
            #expect(Self.kind(of: spreadsheetError) == "notFound", "\(spreadsheetError)")
            #expect(await sheets.calls("append").count == 2)
        }
    }

    @Test("a refused token request is tokenRejected with the OAuth error, and no key or token in the text")
    func tokenRejected() async throws {
        try await withSheets { sheets in
            _ = try await sheets.fake.addFault(SheetsFaultRule(operation: .token, respond: .init(status: 400, message: "Invalid JWT Signature."), times: 1))
            let error = try #require(await #expect(throws: SheetsError.self) { try await sheets.client.appendRows([row(1)]) })
            guard case .tokenRejected(let status, let code, let description) = error else { Issue.record("got \(error)"); return }
            #expect(status == 400)
            #expect(code == "invalid_grant")
            #expect(description == "Invalid JWT Signature.")
            #expect(!error.isRetryable)
            #expect(!error.description.contains("PRIVATE KEY"))
            #expect(await sheets.calls("append").isEmpty)
        }
    }

    @Test("a failing token endpoint (5xx, timeout) is retried with backoff before the append goes out")
    func tokenEndpointRetried() async throws {
        try await withSheets(timeout: .milliseconds(1500)) { sheets in
            _ = try await sheets.fake.addFault(SheetsFaultRule(operation: .token, respond: .init(status: 500), times: 1))
            _ = try await sheets.fake.addFault(SheetsFaultRule(operation: .token, action: .timeout, times: 1))
            try await sheets.client.appendRows([row(1)])
            #expect(try await sheets.rows() == [row(1)])
            #expect(await sheets.calls("token").count == 3)
        }
    }

    @Test("cancelling an append that waits on a silent token endpoint ends it with CancellationError, not after the timeouts")
    func cancelDuringTokenExchange() async throws {
        try await withSheets(timeout: .seconds(60)) { sheets in
            _ = try await sheets.fake.addFault(SheetsFaultRule(operation: .token, action: .timeout))
            let append = Task { try await sheets.client.appendRows([row(1)]) }
            // Wait until the fake holds the token request, so the cancellation hits it in flight.
            while await !sheets.fake.heldRequests().contains(where: { $0.operation == "token" }) {
                try await Task.sleep(for: .milliseconds(10))
            }
            append.cancel()
            await #expect(throws: CancellationError.self) { try await append.value }
            #expect(await sheets.calls("append").isEmpty)
            // The provider is usable afterwards: the next caller starts a fresh exchange.
            await sheets.fake.removeFaults()
            try await sheets.client.appendRows([row(2)])
            #expect(try await sheets.rows() == [row(2)])
        }
    }

    @Test("a JWT signed with a key the token endpoint does not know is refused")
    func unknownKey() async throws {
        try await withSheets { sheets in
            let stranger = try _RSA.Signing.PrivateKey(keySize: .bits2048)  // a key the fake never issued
            var key = sheets.key
            key.privateKey = stranger.pkcs8PEMRepresentation
            let tokens = try AccessTokenProvider(key: key, httpClient: sheets.http, timeout: .seconds(5), logger: Logger(label: "test"))
            let error = try #require(await #expect(throws: SheetsError.self) { try await tokens.accessToken() })
            guard case .tokenRejected = error else { Issue.record("got \(error)"); return }
        }
    }

    private static func kind(of error: SheetsError) -> String {
        switch error {
        case .tokenRejected: return "tokenRejected"
        case .unauthenticated: return "unauthenticated"
        case .permissionDenied: return "permissionDenied"
        case .notFound: return "notFound"
        case .rejected: return "rejected"
        case .rateLimited: return "rateLimited"
        case .serverError: return "serverError"
        case .timeout: return "timeout"
        case .transport: return "transport"
        case .malformedResponse: return "malformedResponse"
        }
    }
}

@Suite struct SheetsErrorTests {
    @Test("only appends that may have written report mayHaveBeenApplied; retryability follows the kind", arguments: [
        (SheetsError.timeout(operation: .append), true, true),
        (.timeout(operation: .read), true, false),
        (.timeout(operation: .token), true, false),
        (.transport(operation: .append, requestSent: true, description: "reset"), true, true),
        (.transport(operation: .append, requestSent: false, description: "refused"), true, false),
        (.serverError(operation: .append, status: 500, googleStatus: "INTERNAL", message: ""), true, true),
        (.serverError(operation: .append, status: 503, googleStatus: "UNAVAILABLE", message: ""), true, false),
        (.serverError(operation: .read, status: 500, googleStatus: "INTERNAL", message: ""), true, false),
        (.malformedResponse(operation: .append, description: ""), true, true),
        (.rateLimited(operation: .append, message: ""), true, false),
        (.rejected(operation: .append, status: 400, googleStatus: "INVALID_ARGUMENT", message: ""), false, false),
        (.permissionDenied(""), false, false),
        (.notFound(""), false, false),
        (.unauthenticated(""), false, false),
        (.tokenRejected(status: 400, error: "invalid_grant", description: ""), false, false),
    ])
    func classification(error: SheetsError, retryable: Bool, applied: Bool) {
        #expect(error.isRetryable == retryable)
        #expect(error.mayHaveBeenApplied == applied)
    }
}
