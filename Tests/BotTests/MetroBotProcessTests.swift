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

    @Test("metro-bot --help lists every variable with its default and exits 0", .enabled(if: isBuilt))
    func help() throws {
        let result = try Self.run(["--help"], environment: [:])
        #expect(result.status == 0)
        #expect(result.stdout.contains("PENDING_ACTION_TTL"))
        #expect(result.stdout.contains("[30m]"))
        #expect(result.stdout.contains("DATABASE_PATH"))
    }

    @Test("an argument metro-bot does not know exits 64 with the usage, before it reads any variable",
          .enabled(if: isBuilt), arguments: [["incident", "expotr"], ["--port", "8080"], ["serve"]])
    func unknownArgument(arguments: [String]) throws {
        // Were the argument ignored, the bot would read this environment and exit 78 on it.
        let result = try Self.run(arguments, environment: ["TELEGRAM_BOT_TOKEN": "123:abc", "PATH": "/usr/bin:/bin"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("metro-bot: unknown argument '\(arguments[0])'\nUsage: metro-bot"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
