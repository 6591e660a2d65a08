import Bot
import FakeSheets
import FakeTelegram
import Foundation
import Logging
import Testing
import MetroSupport

/// The bot as `metro-bot` runs it (`BotApplication` from a `BotConfiguration` parsed from an
/// environment), polling the fake Telegram and appending to the fake Sheets, both in-process on
/// ephemeral ports.
@Suite struct EndToEndTests {
    @Test("polling against both fakes: /checkin and a location give one row with the right cells and the confirmation in the chat")
    func checkInEndToEnd() async throws {
        try await withTemporaryDirectory { directory in
            try await FakeTelegram.withRunning { telegram in
                let bot = await telegram.registerBot()
                try await FakeSheets.withRunning(FakesForBot.sheetsConfiguration) { sheets in
                    let spreadsheetID = try await sheets.createSpreadsheet()
                    let credentials = directory.appendingPathComponent("credentials.json")
                    try await sheets.serviceAccountKeyJSON().write(to: credentials)
                    let configuration = try BotConfiguration(environment: [
                        "TELEGRAM_BOT_TOKEN": bot.token,
                        "TELEGRAM_API_BASE_URL": telegram.baseURL,
                        "SHEETS_API_BASE_URL": sheets.baseURL,
                        "SPREADSHEET_ID": spreadsheetID,
                        "GOOGLE_APPLICATION_CREDENTIALS": credentials.path,
                        "DATABASE_PATH": directory.appendingPathComponent("data/bot.sqlite").path,
                        "LOG_DIR": directory.appendingPathComponent("logs").path,
                        "HTTP_TIMEOUT": "5s",
                    ])
                    var logger = Logger(label: "e2e")
                    logger.logLevel = .warning
                    let application = BotApplication(configuration: configuration, logger: logger)

                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await application.run(gracefulShutdownSignals: []) }

                        try await telegram.sendUserMessage(userID: 1001, text: "/start", firstName: "Ana", username: "ana")
                        try await telegram.sendUserMessage(userID: 1001, text: "/checkin")
                        let location = try await telegram.sendLocation(userID: 1001, latitude: 40.4169, longitude: -3.7038)

                        try await eventually("one row in the fake sheet") {
                            try await sheets.rows(spreadsheetID: spreadsheetID, sheet: "Attendance").count == 1
                        }
                        try await eventually("the confirmation in the chat") {
                            try await telegram.chatMessages(chatID: 1001).count == 3
                        }
                        let row = try #require(try await sheets.rows(spreadsheetID: spreadsheetID, sheet: "Attendance").first)
                        #expect(row.count == 10)
                        #expect(row[0].hasSuffix("Z") && row[0].count == 20, "ISO 8601 UTC: \(row[0])")
                        #expect(Array(row[1...]) == ["1001", "ana", "Ana", "check_in", "40.4169", "-3.7038", "Madrid HQ", "11", "\(location.updateID)"])

                        let transcript = try await telegram.chatMessages(chatID: 1001)
                        #expect(transcript[0].text.hasPrefix("Hi Ana!"))
                        #expect(transcript[1].text.hasPrefix("To check in"))
                        #expect(transcript[1].replyMarkup.map { "\($0)" }?.contains("request_location") == true)
                        #expect(transcript[2].text == "Checked in at Madrid HQ (11 m).")

                        // The batch was confirmed to Telegram once it was durable.
                        try await eventually("the location update confirmed") {
                            try await telegram.updateState(updateID: location.updateID).map { "\($0)" }?.contains("confirmed") == true
                        }
                        group.cancelAll()
                    }
                }
            }
        }
    }
}
