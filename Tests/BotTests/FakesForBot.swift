import _CryptoExtras
import FakeSheets
import FakeTelegram
import Foundation
import MetroSupport

/// Both fakes running for one bot: a registered bot, a spreadsheet with its Attendance sheet, the
/// service-account key written to a file, a free port for the bot's HTTP server, and the
/// environment that points a bot (in-process or the real `metro-bot`) at all of them.
struct FakesForBot: Sendable {
    let telegram: FakeTelegram
    let sheets: FakeSheets
    let spreadsheetID: String
    let port: Int
    let environment: [String: String]

    /// Fast delivery retries and no setWebhook rate limit, so tests wait milliseconds, not seconds.
    static let fastTelegram = FakeTelegram.Configuration(
        deliveryRetryBaseDelay: .milliseconds(20), deliveryRetryMaxDelay: .milliseconds(200),
        deliveryTimeout: .seconds(5), rateLimitSetWebhook: false)

    /// One service-account key for every fake Sheets of the test process. Generating a 2048-bit
    /// key takes a noticeable fraction of a second of CPU in a debug build, on a cooperative
    /// thread; dozens of tests starting at once each generating one starved every other test for
    /// seconds, long enough to trip the fakes' delivery and long-poll deadlines.
    static let sheetsConfiguration = FakeSheets.Configuration(serviceAccountKeyPEM: serviceAccountTestKey.pkcs8PEMRepresentation)

    /// Starts both fakes, runs `body`, and stops them (on failure too).
    /// - Parameters:
    ///   - directory: where the database, logs and credentials go.
    ///   - webhook: whether `WEBHOOK_URL` points at the bot's own port (else the bot polls).
    ///   - extra: variables added to, or replacing, the defaults.
    static func with(
        in directory: URL,
        telegramConfiguration: FakeTelegram.Configuration = fastTelegram,
        webhook: Bool = true,
        environment extra: [String: String] = [:],
        _ body: @Sendable (FakesForBot) async throws -> Void
    ) async throws {
        try await FakeTelegram.withRunning(telegramConfiguration) { telegram in
            try await FakeSheets.withRunning(sheetsConfiguration) { sheets in
                let bot = await telegram.registerBot()
                let spreadsheetID = try await sheets.createSpreadsheet()
                let credentials = directory.appendingPathComponent("credentials.json")
                try await sheets.serviceAccountKeyJSON().write(to: credentials)
                let port = try freeLoopbackPort()
                var environment = [
                    "TELEGRAM_BOT_TOKEN": bot.token,
                    "TELEGRAM_API_BASE_URL": telegram.baseURL,
                    "SHEETS_API_BASE_URL": sheets.baseURL,
                    "SPREADSHEET_ID": spreadsheetID,
                    "GOOGLE_APPLICATION_CREDENTIALS": credentials.path,
                    "DATABASE_PATH": directory.appendingPathComponent("bot.sqlite").path,
                    "LOG_DIR": directory.appendingPathComponent("logs").path,
                    "HOST": "127.0.0.1",
                    "PORT": "\(port)",
                    "HTTP_TIMEOUT": "5s",
                    "WEBHOOK_RETRY_BASE_DELAY": "50ms",
                    "WEBHOOK_WATCHDOG_INTERVAL": "200ms",
                    "SHUTDOWN_GRACE": "5s",
                ]
                if webhook { environment["WEBHOOK_URL"] = "http://127.0.0.1:\(port)" }
                environment.merge(extra) { _, new in new }
                try await body(FakesForBot(telegram: telegram, sheets: sheets, spreadsheetID: spreadsheetID,
                                           port: port, environment: environment))
            }
        }
    }
}
