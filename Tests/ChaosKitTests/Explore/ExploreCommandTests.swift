import ChaosKit
import Foundation
import Testing

@Suite struct ExploreCommandTests {
    @Test("invalid input exits 2 with a one-line reason", arguments: [
        (["--jobs", "0"], "--jobs"),
        (["--schedules", "0"], "--schedules"),
        (["--time-budget", "soon"], "--time-budget"),
        (["--mode", "sideways"], "--mode"),
        (["--only", "-3"], "--only"),
        (["--bot", "/nonexistent/metro-bot"], "--bot /nonexistent/metro-bot"),
    ])
    func invalidInput(arguments: [String], named: String) async throws {
        let result = try await ChaosBinary.run(["explore"] + arguments)
        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains(named), "\(result.stderr)")
        #expect(!result.stdout.contains("passed"))
    }

    @Test("a --bot that is a file but not executable is invalid input")
    func notExecutable() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("metro-bot", "#!/bin/sh\n")
        let result = try await ChaosBinary.run(["explore", "--bot", file])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("no executable file"))
    }
}
