import FakeSheets
import FakeTelegram
import Foundation

/// What the runner needs to know about the running fakes for one scenario.
public struct FakeEndpoints: Sendable {
    /// The fake Telegram, `http://127.0.0.1:PORT`.
    public var telegramBaseURL: String
    /// The fake Sheets, `http://127.0.0.1:PORT`.
    public var sheetsBaseURL: String
    /// The token the fake Telegram issued for the bot.
    public var botToken: String
    /// The spreadsheet the fake Sheets created (with its `Attendance` sheet).
    public var spreadsheetID: String
    /// The service-account key JSON the fake Sheets issued.
    public var credentials: Data
    /// The in-process fake Telegram, driven through its Swift API.
    public var telegram: FakeTelegram
    /// The in-process fake Sheets, driven through its Swift API.
    public var sheets: FakeSheets

    /// Creates the description of two running fakes.
    public init(telegram: FakeTelegram, sheets: FakeSheets, botToken: String, spreadsheetID: String, credentials: Data) {
        self.telegramBaseURL = telegram.baseURL
        self.sheetsBaseURL = sheets.baseURL
        self.botToken = botToken
        self.spreadsheetID = spreadsheetID
        self.credentials = credentials
        self.telegram = telegram
        self.sheets = sheets
    }

    /// The lines of the service account's private key body (for the no-secrets log check).
    var privateKeyLines: [String] {
        guard let object = try? JSONSerialization.jsonObject(with: credentials) as? [String: Any],
              let key = object["private_key"] as? String else { return [] }
        return key.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("-----") && $0.count >= 32 }
    }
}
