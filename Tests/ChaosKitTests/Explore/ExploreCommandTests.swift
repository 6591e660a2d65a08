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
        (["--store", "mysql"], "--store"),
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

    @Test("--store postgres with a malformed CHAOS_POSTGRES_URL exits 2 naming the variable, never its password")
    func badPostgresURL() async throws {
        let result = try await ChaosBinary.run(["explore", "--store", "postgres", "--schedules", "1"],
                                               environment: ["CHAOS_POSTGRES_URL": "mysql://root:hunter22@db/x"])
        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("CHAOS_POSTGRES_URL"), "\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains("hunter22"))
        #expect(!result.stdout.contains("passed"))
    }

    @Test("--store postgres runs a schedule against the bot on its own PostgreSQL database and checks every invariant",
          .enabled(if: PostgresAvailability.runnable, PostgresAvailability.skipReason))
    func onPostgres() async throws {
        // The server CI or the developer named, else a throw-away one that explore starts itself.
        let server = PostgresAvailability.environment.filter { $0.key == PostgresServer.urlVariable }
        let result = try await ChaosBinary.run(["explore", "--store", "postgres", "--schedules", "2", "--seed", "11", "--jobs", "2"],
                                               environment: server)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(", store postgres,"), "\(result.stdout)")
        #expect(result.stdout.contains("2 passed, 0 failed"), "\(result.stdout)")
    }
}
