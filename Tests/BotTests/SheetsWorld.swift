import AsyncHTTPClient
import Bot
import FakeSheets
import Foundation
import Logging
import MetroSupport

/// A running fake Sheets with a spreadsheet, a real `SheetsClient` pointed at it and a store in a
/// temporary directory, torn down after the test.
struct SheetsWorld: Sendable {
    let fake: FakeSheets
    let spreadsheetID: String
    let httpClient: HTTPClient
    let databasePath: String
    let key: ServiceAccountKey

    /// A client with `timeout` per request and fast internal retries.
    func sheetsClient(timeout: Duration = .seconds(5)) throws -> SheetsClient {
        var logger = Logger(label: "sheets-test")
        logger.logLevel = .critical
        let tokens = try AccessTokenProvider(key: key, httpClient: httpClient, timeout: .seconds(5),
                                             retryBackoff: Backoff(base: .milliseconds(10), maximum: .milliseconds(50)), logger: logger)
        return SheetsClient(spreadsheetID: spreadsheetID, sheetName: "Attendance", baseURL: fake.baseURL, tokens: tokens,
                            httpClient: httpClient, timeout: timeout,
                            retryBackoff: Backoff(base: .milliseconds(10), maximum: .milliseconds(50)), logger: logger)
    }

    func sheetRows() async throws -> [[String]] {
        try await fake.rows(spreadsheetID: spreadsheetID, sheet: "Attendance")
    }

    static func withWorld(_ body: @Sendable (SheetsWorld) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("bot.sqlite").path
            try await FakeSheets.withRunning(FakesForBot.sheetsConfiguration) { fake in
                let spreadsheetID = try await fake.createSpreadsheet()
                let key = try ServiceAccountKey.decode(await fake.serviceAccountKeyJSON())
                let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
                let world = SheetsWorld(fake: fake, spreadsheetID: spreadsheetID, httpClient: httpClient, databasePath: path, key: key)
                do {
                    try await body(world)
                } catch {
                    try? await httpClient.shutdown()
                    throw error
                }
                try await httpClient.shutdown()
            }
        }
    }
}

extension SheetsFaultRule {
    /// Appends answered 503 UNAVAILABLE, `times` times.
    static func appendUnavailable(times: Int) -> SheetsFaultRule {
        SheetsFaultRule(operation: .append, respond: .init(status: 503), times: times)
    }

    /// One append held for `delay` before it is handled (and committed).
    static func slowAppend(_ delay: Duration) -> SheetsFaultRule {
        SheetsFaultRule(operation: .append, delay: delay, times: 1)
    }
}
