import Foundation
import Testing

/// Ctrl-C during a `chaos run` on PostgreSQL: the bots stop, the workspaces go, and the
/// throw-away server is stopped and its directory removed.
@Suite struct RunInterruptTests {
    static func botsIn(_ prefix: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { $0.allSatisfy(\.isNumber) } ?? []
        return pids.filter { pid in
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) ?? "").contains(prefix)
        }
    }

    static func workspaces(_ prefix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)) ?? []).filter { $0.hasPrefix(prefix) }
    }

    @Test("SIGINT while a PostgreSQL scenario runs stops its bot, removes its directory and the throw-away server, and exits 130",
          .enabled(if: PostgresAvailability.runnable && !PostgresAvailability.serverGiven, PostgresAvailability.skipReason))
    func interrupt() async throws {
        let name = "interrupt-probe-\(UInt32.random(in: 100_000...999_999))"
        let directory = try TemporaryDirectory()
        let file = try directory.write("probe.yaml", """
            name: \(name)
            description: a bot on PostgreSQL that waits for a log line that never comes
            store: postgres
            steps:
              - start_bot: {}
              - wait_until: {log: "no such line, ever", timeout: 120s}
            expect: [{bot: {running: true}}]
            """)
        let process = Process()
        process.executableURL = ChaosBinary.url
        process.arguments = ["run", file, "--bot", RunnerTests.botBinary.path]
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "NO_COLOR": "1"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let collected = LockedData()
        try process.run()
        Thread { collected.set(output.fileHandleForReading.readDataToEndOfFile()) }.start()

        let prefix = "chaos-\(name)-"
        var sawBot = false
        for _ in 0..<600 where process.isRunning {
            if !Self.botsIn(prefix).isEmpty { sawBot = true; break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(sawBot, "no bot of \(name) appeared")
        kill(process.processIdentifier, SIGINT)
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        while !collected.isSet { try await Task.sleep(for: .milliseconds(10)) }
        let text = String(decoding: collected.value, as: UTF8.self)
        let cluster = text.split(separator: "\n").first { $0.hasPrefix("postgres: started a throw-away server") }
            .flatMap { $0.components(separatedBy: " in ").last }
        defer {
            for pid in Self.botsIn(prefix).compactMap({ pid_t($0) }) where pid > 1 { kill(pid, SIGKILL) }
            for workspace in Self.workspaces(prefix) {
                try? FileManager.default.removeItem(atPath: FileManager.default.temporaryDirectory.appendingPathComponent(workspace).path)
            }
        }
        #expect(process.terminationReason == .exit, "chaos died of a signal\n\(text)")
        #expect(process.terminationStatus == 130, "\(text)")
        let clusterDirectory = try #require(cluster, "no throw-away server was announced:\n\(text)")
        #expect(!FileManager.default.fileExists(atPath: clusterDirectory), "\(clusterDirectory) is left behind")
        #expect(Self.botsIn(prefix).isEmpty)
        #expect(Self.workspaces(prefix).isEmpty)
    }
}
