import Foundation

/// Finds the `metro-bot` executable: `--bot`, else next to the running `chaos`, else built
/// with `swift build --product metro-bot` in the enclosing package.
public enum BotBinary {
    /// Why no bot binary could be found.
    public struct NotFound: Error, CustomStringConvertible, Sendable {
        /// What was tried and how to fix it.
        public var description: String
    }

    /// The executable to run.
    /// - Parameters:
    ///   - explicit: `--bot`; must be an executable file.
    ///   - build: Whether to run `swift build --product metro-bot` when none is found. Defaults to true.
    ///   - log: Where progress lines go.
    public static func locate(explicit: String?, build: Bool = true, log: (String) -> Void = { _ in }) throws(NotFound) -> URL {
        let manager = FileManager.default
        if let explicit {
            guard manager.isExecutableFile(atPath: explicit) else {
                throw NotFound(description: "--bot \(explicit): no executable file there; build it with `swift build --product metro-bot` or give its path")
            }
            return URL(fileURLWithPath: explicit).standardizedFileURL
        }
        let ownDirectory = URL(fileURLWithPath: (try? manager.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]).deletingLastPathComponent()
        let sibling = ownDirectory.appendingPathComponent("metro-bot")
        if manager.isExecutableFile(atPath: sibling.path) { return sibling }
        guard build, let package = packageRoot() else {
            throw NotFound(description: "no metro-bot next to \(ownDirectory.path) and no Package.swift above \(manager.currentDirectoryPath); pass --bot PATH")
        }
        log("building metro-bot in \(package.path) (swift build --product metro-bot)…")
        guard run("swift", ["build", "--package-path", package.path, "--product", "metro-bot"]) != nil,
              let binPath = run("swift", ["build", "--package-path", package.path, "--show-bin-path"])?.trimmingCharacters(in: .whitespacesAndNewlines)
        else {
            throw NotFound(description: "`swift build --product metro-bot` failed in \(package.path); fix the build or pass --bot PATH")
        }
        let built = URL(fileURLWithPath: binPath).appendingPathComponent("metro-bot")
        guard manager.isExecutableFile(atPath: built.path) else {
            throw NotFound(description: "the build finished but \(built.path) is missing; pass --bot PATH")
        }
        return built
    }

    static func packageRoot() -> URL? {
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) { return directory }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// Runs a tool found on PATH; its output, or nil when it failed.
    static func run(_ tool: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice // "not a git repository" is an answer (nil), not a message for the user
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
