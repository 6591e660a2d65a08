import Bot
import Foundation
import Testing

/// The real `metro-bot` executable, run as a child process (it is built next to the test bundle).
@Suite struct MetroBotProcessTests {
    static let binary: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("metro-bot").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("metro-bot")
    }()
    static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }

    static func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test("a bad variable stops metro-bot with exit 78 and one line on stderr that names it and hides the secret",
          .enabled(if: isBuilt))
    func exitsWithConfigError() throws {
        let result = try Self.run([], environment: ["TELEGRAM_BOT_TOKEN": "Xyzzy not a token", "PATH": "/usr/bin:/bin"])
        #expect(result.status == 78)
        #expect(result.stderr == "configuration error: TELEGRAM_BOT_TOKEN is not a bot token (its value is not shown); set it to the token BotFather gave you, shaped like 123456:ABC-def_ghi\n")
        #expect(!result.stderr.contains("Xyzzy"))
        #expect(result.stdout.isEmpty)
    }

    @Test("a malformed DATABASE_URL stops metro-bot with exit 78 and one line that never shows the password",
          .enabled(if: isBuilt))
    func exitsOnMalformedDatabaseURL() async throws {
        try await withTemporaryDirectory { directory in
            var environment = try ConfigurationFixture(directory: directory).environment
            environment["PATH"] = "/usr/bin:/bin"
            environment["LOG_DIR"] = directory.appendingPathComponent("logs").path
            // A password with an unescaped '#': the rest of the URL is a fragment, the port is lost.
            environment["DATABASE_URL"] = "postgres://metro:Pl4nted-Secret#x@db.internal:5432/metro"
            let result = try Self.run([], environment: environment)
            #expect(result.status == 78)
            #expect(result.stderr.hasPrefix("configuration error: DATABASE_URL "), "\(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1)
            #expect(!result.stderr.contains("Pl4nted-Secret"))
            #expect(!result.stdout.contains("Pl4nted-Secret"))
        }
    }

    @Test("metro-bot --help lists every variable with its default and exits 0", .enabled(if: isBuilt))
    func help() throws {
        let result = try Self.run(["--help"], environment: [:])
        #expect(result.status == 0)
        #expect(result.stdout.contains("PENDING_ACTION_TTL"))
        #expect(result.stdout.contains("[30m]"))
        #expect(result.stdout.contains("DATABASE_PATH"))
    }

    @Test("metro-bot incident export writes a bundle from a store, and refuses a bad window or a missing store with 64",
          .enabled(if: isBuilt))
    func incidentExport() async throws {
        try await withTemporaryDirectory { directory in
            let store = directory.appendingPathComponent("bot.sqlite").path
            let database = try Bot.BotDatabase(path: store)
            try await database.appendJournal(events: [Bot.JournalEvent(.started)], updates: [])
            try database.close()
            let out = directory.appendingPathComponent("bundle.json").path
            let written = try Self.run(["incident", "export", "--since", "1h", "--database", store, "--out", out, "--anonymize"],
                                       environment: [:])
            #expect(written.status == 0, "\(written.stderr)")
            #expect(written.stdout.contains("0 updates, 1 events"))
            let bundle = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
            #expect(bundle?["format"] as? String == "metropolitan-incident")
            #expect(bundle?["anonymized"] as? Bool == true)

            let future = try Self.run(["incident", "export", "--since", "2099-01-01T00:00:00Z", "--database", store, "--out", out], environment: [:])
            #expect(future.status == 64)
            #expect(future.stderr.contains("starts in the future"), "\(future.stderr)")
            let garbled = try Self.run(["incident", "export", "--since", "soon", "--database", store, "--out", out], environment: [:])
            #expect(garbled.status == 64)
            #expect(garbled.stderr.contains("is neither a duration"))
            let missing = try Self.run(["incident", "export", "--since", "1h", "--database", directory.appendingPathComponent("none.sqlite").path,
                                        "--out", out], environment: [:])
            #expect(missing.status == 64)
            #expect(missing.stderr.contains("no store at"))
        }
    }

    @Test("an argument metro-bot does not know exits 64 with the usage, before it reads any variable",
          .enabled(if: isBuilt), arguments: [["incident", "expotr"], ["--port", "8080"], ["serve"]])
    func unknownArgument(arguments: [String]) throws {
        // Were the argument ignored, the bot would read this environment and exit 78 on it.
        let result = try Self.run(arguments, environment: ["TELEGRAM_BOT_TOKEN": "123:abc", "PATH": "/usr/bin:/bin"])
        #expect(result.status == 64)
        // `incident` is a command (its parser names the bad word); anything else is unknown to metro-bot.
        #expect(result.stderr.contains("'\(arguments[0] == "incident" ? arguments[1] : arguments[0])'"), "\(result.stderr)")
        #expect(result.stderr.contains("Usage: metro-bot"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
