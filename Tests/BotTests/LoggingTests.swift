@testable import Bot
import Foundation
import Logging
import Testing

/// A fresh directory for one test, removed afterwards (on failure too).
private func withLogDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("bot-logging-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

private func lines(ofFile path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
}

private let botToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
private let webhookSecret = "wh-secret-0f9e8d7c6b5a"
private let adminToken = "admin-token-5d4c3b2a1f"

@Suite struct LoggingTests {
    private func makeHandler(level: Logger.Level = .info, secrets: [String] = []) -> BotLogHandler {
        let sink = LogSink(redactor: LogRedactor(secrets: secrets), file: nil, writesToStandardOutput: false)
        return BotLogHandler(label: "metro.test", level: level, sink: sink)
    }

    @Test("a line is: UTC timestamp with milliseconds, level, label, message, sorted key=value pairs")
    func lineFormat() {
        var handler = makeHandler()
        handler[metadataKey: "mode"] = "polling"
        let line = handler.format(
            level: .info, message: "update handled",
            metadata: ["user_id": "1001", "update_id": .stringConvertible(42), "outcome": "checked in"],
            date: Date(timeIntervalSince1970: 1_800_000_000.5)
        )
        #expect(line == "2027-01-15T08:00:00.500Z info metro.test: update handled mode=polling outcome=\"checked in\" update_id=42 user_id=1001\n")
    }

    @Test("event metadata overrides the handler's; arrays and dictionaries are rendered in one value")
    func metadataMerging() {
        var handler = makeHandler()
        handler[metadataKey: "mode"] = "polling"
        let line = handler.format(
            level: .warning, message: "m",
            metadata: ["mode": "webhook", "ids": .array(["1", "2"]), "memory": .dictionary(["rss": "10", "limit": "20"])],
            date: Date(timeIntervalSince1970: 0)
        )
        #expect(line == "1970-01-01T00:00:00.000Z warning metro.test: m ids=\"[1, 2]\" memory=\"[limit: 20, rss: 10]\" mode=webhook\n")
    }

    @Test("newlines and quotes in messages and values cannot break the one-line-per-event rule")
    func oneLinePerEvent() {
        let line = makeHandler().format(
            level: .error, message: "first\nsecond", metadata: ["reason": "a \"quoted\"\nvalue", "key with space": "x"],
            date: Date(timeIntervalSince1970: 0)
        )
        #expect(line.filter { $0 == "\n" }.count == 1)
        #expect(line.hasSuffix("metro.test: first\\nsecond \"key with space\"=x reason=\"a \\\"quoted\\\"\\nvalue\"\n"))
    }

    @Test("non-ASCII text follows the same rules: Unicode spaces quote a value, C1 controls are escaped")
    func nonASCIIQuoting() {
        let line = makeHandler().format(
            level: .info, message: "Año\u{85}fin",
            metadata: ["site": "Madrid\u{A0}HQ", "name": "José", "path": #"C:\dir"#, "said": #"a\"b"#, "empty": ""],
            date: Date(timeIntervalSince1970: 0)
        )
        #expect(line == #"1970-01-01T00:00:00.000Z info metro.test: Año\u{85}fin empty="" name=José path=C:\dir said="a\\\"b" site="Madrid\#u{A0}HQ""# + "\n")
    }

    @Test("every configured secret is redacted from messages and metadata values, in every form it leaks",
          arguments: [
              "calling https://api.telegram.org/bot\(botToken)/getMe",
              "token=\(botToken)",
              "secret part alone: AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
              "percent-encoded: bot123456789%3AAAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe",
              "header X-Telegram-Bot-Api-Secret-Token: \(webhookSecret)",
              "Authorization: Bearer \(adminToken)",
          ])
    func redactsSecrets(text: String) {
        let handler = makeHandler(secrets: [botToken, webhookSecret, adminToken])
        let line = handler.format(
            level: .info, message: "\(text)", metadata: ["detail": "\(text)", "url": .array(["\(text)"])],
            date: Date()
        )
        for fragment in [botToken, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", webhookSecret, adminToken] {
            #expect(!line.contains(fragment))
        }
        #expect(line.components(separatedBy: "[REDACTED]").count - 1 >= 3)
    }

    @Test("a secret is found wherever it sits: alone, first, last, after a false start, among non-ASCII text", arguments: [
        ("s3cr3t-value", "[REDACTED]"),
        ("s3cr3t-valueXY", "[REDACTED]XY"),
        ("Ω s3cr3t-value", "Ω [REDACTED]"),
        ("s3cr3t-vals3cr3t-value!", "s3cr3t-val[REDACTED]!"),
        ("s3cr3t-valu", "s3cr3t-valu"),
        ("ß3cr3t-value", "ß3cr3t-value"),
        ("", ""),
    ])
    func redactionSearch(text: String, expected: String) {
        #expect(LogRedactor(secrets: ["s3cr3t-value"]).redact(text) == expected)
    }

    @Test("text without secrets is left as it is; empty secrets are ignored")
    func noFalsePositives() {
        let redactor = LogRedactor(secrets: ["", botToken])
        let text = "user 123456789 checked in at Plaza Mayor"
        #expect(redactor.redact(text) == text)
        #expect(!redactor.patterns.contains(""))
    }

    @Test("the handler drops events below its level")
    func levelFilter() async throws {
        try await withLogDirectory { directory in
            let sink = try BotLogging.makeSink(directory: directory, secrets: [], writesToStandardOutput: false)
            let logger = Logger(label: "metro.level") { BotLogging.makeHandler(label: $0, level: .warning, sink: sink) }
            logger.debug("debug line")
            logger.info("info line")
            logger.warning("warning line")
            logger.error("error line")
            let written = try lines(ofFile: "\(directory)/bot.log")
            #expect(written.count == 2)
            #expect(written[0].contains("warning metro.level: warning line"))
            #expect(written[1].contains("error metro.level: error line"))
        }
    }

    @Test("loggers write redacted lines to LOG_DIR/bot.log through one shared sink")
    func writesToFile() async throws {
        try await withLogDirectory { directory in
            let nested = "\(directory)/logs/nested"
            let sink = try BotLogging.makeSink(directory: nested, secrets: [botToken], writesToStandardOutput: false)
            let a = Logger(label: "metro.a") { BotLogging.makeHandler(label: $0, sink: sink) }
            let b = Logger(label: "metro.b") { BotLogging.makeHandler(label: $0, sink: sink) }
            a.info("setWebhook failed", metadata: ["url": "https://x/bot\(botToken)/setWebhook"])
            b.notice("polling")
            let written = try lines(ofFile: "\(nested)/bot.log")
            #expect(written.count == 2)
            #expect(written[0].hasSuffix("info metro.a: setWebhook failed url=https://x/bot[REDACTED]/setWebhook"))
            #expect(written[1].hasSuffix("notice metro.b: polling"))
        }
    }

    @Test("bot.log rotates by size, keeps maxFiles files in order and deletes the oldest")
    func rotation() async throws {
        try await withLogDirectory { directory in
            let file = try RotatingLogFile(directory: directory, maxFileBytes: 1024, maxFiles: 3)
            let sink = LogSink(redactor: LogRedactor(secrets: []), file: file, writesToStandardOutput: false)
            let logger = Logger(label: "metro.rotation") { BotLogging.makeHandler(label: $0, sink: sink) }
            for index in 0..<100 {
                logger.info("line \(String(format: "%03d", index)) \(String(repeating: "x", count: 40))")
            }
            let paths = ["\(directory)/bot.log.2", "\(directory)/bot.log.1", "\(directory)/bot.log"]
            #expect(file.rotatedFiles() == ["\(directory)/bot.log.1", "\(directory)/bot.log.2"])
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/bot.log.3"))
            var kept: [Int] = []
            for path in paths {
                let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
                #expect(size <= 1024)
                #expect(size > 0)
                kept += try lines(ofFile: path).map { line in
                    let number = line.split(separator: " ")[4]
                    return Int(number)!
                }
            }
            // The newest lines survive, contiguous and in order, ending with the last one.
            #expect(kept.last == 99)
            #expect(kept == Array((100 - kept.count)..<100))
            #expect(kept.count < 100)
        }
    }

    @Test("a reopened log file continues from its size, so a restart still rotates at the limit")
    func reopenCountsExistingSize() async throws {
        try await withLogDirectory { directory in
            try String(repeating: "y", count: 1000).appending("\n").write(toFile: "\(directory)/bot.log", atomically: true, encoding: .utf8)
            let file = try RotatingLogFile(directory: directory, maxFileBytes: 1024, maxFiles: 2)
            file.append(String(repeating: "z", count: 100) + "\n")
            #expect(file.rotatedFiles() == ["\(directory)/bot.log.1"])
            #expect(try lines(ofFile: "\(directory)/bot.log") == [String(repeating: "z", count: 100)])
        }
    }

    @Test("lines written concurrently from many tasks are never interleaved or lost")
    func concurrentWrites() async throws {
        try await withLogDirectory { directory in
            let sink = try BotLogging.makeSink(directory: directory, secrets: [], maxFileBytes: 64 << 20, writesToStandardOutput: false)
            await withTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        let logger = Logger(label: "metro.t\(task)") { BotLogging.makeHandler(label: $0, sink: sink) }
                        for index in 0..<200 {
                            logger.info("task \(task) line \(index) \(String(repeating: "p", count: 200))")
                        }
                    }
                }
            }
            let written = try lines(ofFile: "\(directory)/bot.log")
            #expect(written.count == 1600)
            #expect(written.allSatisfy { $0.hasSuffix(String(repeating: "p", count: 200)) && $0.contains(" info metro.t") })
        }
    }

    @Test("a log directory that cannot be created is a clear error naming it")
    func unusableDirectory() async throws {
        try await withLogDirectory { directory in
            let blocker = "\(directory)/not-a-directory"
            try "x".write(toFile: blocker, atomically: true, encoding: .utf8)
            let error = #expect(throws: LogFileError.self) {
                try BotLogging.makeSink(directory: "\(blocker)/logs", secrets: [])
            }
            #expect(error?.description.contains("\(blocker)/logs") == true)
            #expect(error?.description.contains("LOG_DIR") == true)
        }
    }

    @Test("LOG_LEVEL names parse in any case; unknown names do not", arguments: [
        ("debug", Logger.Level.debug), ("INFO", .info), ("Warning", .warning), ("warn", .warning), ("critical", .critical),
    ])
    func levelNames(name: String, level: Logger.Level) {
        #expect(BotLogging.level(named: name) == level)
    }

    @Test("an unknown LOG_LEVEL is rejected")
    func unknownLevel() {
        #expect(BotLogging.level(named: "verbose") == nil)
    }
}
