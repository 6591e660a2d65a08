import Foundation
import Testing

/// Ctrl-C during `chaos explore`: nothing of the run survives it, and it says what it found.
@Suite struct ExploreInterruptTests {
    /// Processes whose working directory is a workspace of `seed`'s schedules (bots run there).
    static func botsOfSeed(_ seed: UInt64) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { $0.allSatisfy(\.isNumber) } ?? []
        return pids.filter { pid in
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) ?? "").contains("chaos-explore-\(seed)-")
        }
    }

    static func workspacesOfSeed(_ seed: UInt64) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)) ?? []).filter { $0.hasPrefix("chaos-explore-\(seed)-") }
    }

    @Test("SIGINT while schedules run stops their bots and fakes, removes their directories, and prints what was found so far")
    func interrupt() async throws {
        let seed = UInt64.random(in: 1_000_000...9_000_000)
        let process = Process()
        process.executableURL = ChaosBinary.url
        process.arguments = ["explore", "--schedules", "6", "--seed", String(seed), "--jobs", "2", "--bot", RunnerTests.botBinary.path]
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "NO_COLOR": "1"]
        let output = Pipe()
        process.standardOutput = output
        // Its errors go to a file, so that a crash's backtrace shows in the failure.
        let errors = try TemporaryDirectory()
        let errorsPath = errors.path("stderr.txt")
        _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
        let collected = LockedData()
        try process.run()
        Thread { collected.set(output.fileHandleForReading.readDataToEndOfFile()) }.start()

        // Wait until a bot of this run is up, then interrupt.
        var sawBot = false
        for _ in 0..<600 where process.isRunning {
            if !Self.botsOfSeed(seed).isEmpty { sawBot = true; break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(sawBot, "no bot of seed \(seed) appeared")
        kill(process.processIdentifier, SIGINT)
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        while !collected.isSet { try await Task.sleep(for: .milliseconds(10)) }

        let text = String(decoding: collected.value, as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        // A crash would leave bots and workspaces behind: remove them (after the expectations
        // below have looked) so that they cannot disturb the suites that run after this one.
        defer {
            for pid in Self.botsOfSeed(seed).compactMap({ pid_t($0) }) where pid > 1 { kill(pid, SIGKILL) }
            for workspace in Self.workspacesOfSeed(seed) {
                try? FileManager.default.removeItem(atPath: FileManager.default.temporaryDirectory.appendingPathComponent(workspace).path)
            }
        }
        let stderr = (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? ""
        #expect(process.terminationReason == .exit, "chaos died of signal \(process.terminationStatus)\n\(text)\n\(stderr.prefix(6000))")
        #expect([130, 1].contains(process.terminationStatus), "\(process.terminationStatus)\n\(text)")
        #expect(text.contains("interrupted:"), "\(text)")
        #expect(lines.last?.range(of: #"^\d+ passed, \d+ failed$"#, options: .regularExpression) != nil, "\(text)")
        #expect(Self.botsOfSeed(seed).isEmpty)
        #expect(Self.workspacesOfSeed(seed).isEmpty)
    }
}
