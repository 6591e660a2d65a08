import FakeSheets
import FakeTelegram
import Foundation
import Logging

/// `chaos fakes`: both fakes standalone, a registered bot, a spreadsheet with its `Attendance`
/// sheet and the service-account key on disk; prints (and writes) the bot's environment, then
/// runs until SIGINT or SIGTERM and stops cleanly. Each request to either fake is logged on one
/// line (standard error): Telegram's by the fake itself, Sheets' by ``SheetsRequestLog``.
public enum StandaloneFakes {
    /// The command's options.
    public struct Options: Sendable {
        /// `--telegram-port`. Defaults to 0 (any free port).
        public var telegramPort = 0
        /// `--sheets-port`. Defaults to 0 (any free port).
        public var sheetsPort = 0
        /// `--env-file`: also write the environment here. Defaults to none.
        public var envFile: String?
        /// `--credentials-file`: where the service-account key goes, kept after the stop.
        /// Defaults to `nil`: a temporary directory of its own, removed at the stop (the key is
        /// valid only for this run of the fakes).
        public var credentialsFile: String?

        /// Creates options with the defaults above.
        public init() {}
    }

    /// The environment lines (`NAME=value`) for a bot pointed at the fakes.
    public static func environmentLines(telegramBaseURL: String, sheetsBaseURL: String, token: String, spreadsheetID: String, credentialsPath: String) -> [String] {
        [
            "TELEGRAM_BOT_TOKEN=\(token)",
            "TELEGRAM_API_BASE_URL=\(telegramBaseURL)",
            "SHEETS_API_BASE_URL=\(sheetsBaseURL)",
            "SPREADSHEET_ID=\(spreadsheetID)",
            "GOOGLE_APPLICATION_CREDENTIALS=\(credentialsPath)",
        ]
    }

    /// Runs until `stop` returns (the CLI passes a wait for SIGINT/SIGTERM).
    /// - Returns: ``ChaosExitCode/passed`` after a clean stop, ``ChaosExitCode/invalidInput``
    ///   when a port is taken or a file cannot be written.
    public static func run(_ options: Options, output: @escaping @Sendable (String) -> Void, errors: @escaping @Sendable (String) -> Void,
                           until stop: @escaping @Sendable () async -> Void) async -> ChaosExitCode {
        guard (0...65535).contains(options.telegramPort), (0...65535).contains(options.sheetsPort) else {
            errors("ports must be between 0 and 65535")
            return .invalidInput
        }
        do {
            var telegramConfiguration = FakeTelegram.Configuration(port: options.telegramPort)
            telegramConfiguration.logger.logLevel = .info // one line per Bot API request
            try await FakeTelegram.withRunning(telegramConfiguration) { telegram in
                try await FakeSheets.withRunning(FakeSheets.Configuration(port: options.sheetsPort)) { sheets in
                    let bot = await telegram.registerBot()
                    let spreadsheetID = try await sheets.createSpreadsheet(sheets: ["Attendance"])
                    let temporary = options.credentialsFile == nil
                        ? FileManager.default.temporaryDirectory.appendingPathComponent("chaos-fakes-\(UUID().uuidString)") : nil
                    if let temporary {
                        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true,
                                                                attributes: [.posixPermissions: 0o700])
                    }
                    defer { if let temporary { try? FileManager.default.removeItem(at: temporary) } }
                    let credentialsURL = options.credentialsFile.map { URL(fileURLWithPath: $0).standardizedFileURL }
                        ?? temporary!.appendingPathComponent("service-account.json")
                    try await sheets.serviceAccountKeyJSON().write(to: credentialsURL)
                    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: credentialsURL.path)
                    let lines = environmentLines(telegramBaseURL: "\(telegram.baseURL)", sheetsBaseURL: "\(sheets.baseURL)", token: bot.token,
                                                 spreadsheetID: spreadsheetID, credentialsPath: credentialsURL.path)
                    if let envFile = options.envFile {
                        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: envFile))
                        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: envFile)
                    }
                    output("fake Telegram: \(telegram.baseURL)  (control API: \(telegram.baseURL)/control/…)")
                    output("fake Sheets:   \(sheets.baseURL)  (control API: \(sheets.baseURL)/control/…)")
                    output("")
                    output("# environment for metro-bot" + (options.envFile.map { " (also written to \($0))" } ?? ""))
                    for line in lines { output(line) }
                    output("")
                    output("running; Ctrl-C stops")
                    var sheetsLogger = Logger(label: "FakeSheets")
                    sheetsLogger.logLevel = .info // one line per Sheets or token request
                    let requestLog = SheetsRequestLog(sheets: sheets, logger: sheetsLogger)
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { await requestLog.run() }
                        await stop()
                        group.cancelAll()
                    }
                    output("stopping")
                }
            }
            return .passed
        } catch {
            errors("chaos fakes: \(error)")
            return .invalidInput
        }
    }
}
