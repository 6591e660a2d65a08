import ChaosKit
import Foundation
import Testing

@Suite struct CLITests {
    static let valid = """
        name: valid-one
        description: a valid scenario
        tags: [demo]
        users: [{id: 1}]
        steps:
          - send: {user: 1, text: /start}
        expect:
          - updates: {all_confirmed: true}
        """

    @Test("validate exits 0 on valid files and lists them")
    func validateGood() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.yaml", Self.valid)
        let result = try await ChaosBinary.run(["validate", directory.url.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("valid-one"))
    }

    @Test("validate exits 2 and reports every error of every file with file:line:column")
    func validateBad() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("good.yaml", Self.valid)
        let bad1 = try directory.write("bad1.yaml", "name: bad-one\ndescription: d\nsteps:\n  - sleep: forever\nexpect: [{bot: {running: true}}]\n")
        let bad2 = try directory.write("bad2.yaml", "name: bad-two\ndescription: d\nsteps:\n  - signal: HUP\n  - webhook_outage: maybe\nexpect: [{bot: {running: yes}}]\n")
        let result = try await ChaosBinary.run(["validate", directory.url.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(bad1):4:12: error: expected sleep as a duration"))
        #expect(result.stderr.contains("\(bad2):4:13: error: expected signal to be TERM, INT or KILL"))
        #expect(result.stderr.contains("\(bad2):5:21: error: expected webhook_outage to be on or off"))
        #expect(result.stderr.contains("3 error(s) in 2 file(s)"))
    }

    @Test("a missing path and an unknown flag are invalid input (exit 2)", arguments: [
        ["validate", "/nonexistent/scenarios"], ["list", "--no-such-flag"], ["no-such-command"],
    ])
    func invalidInput(arguments: [String]) async throws {
        let result = try await ChaosBinary.run(arguments)
        #expect(result.status == 2, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }

    @Test("list prints name, description and tags, and --filter matches names and tags")
    func list() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.yaml", Self.valid)
        try directory.write("b.yaml", Self.valid.replacingOccurrences(of: "valid-one", with: "other-two").replacingOccurrences(of: "[demo]", with: "[shutdown]"))
        let all = try await ChaosBinary.run(["list", directory.url.path])
        #expect(all.status == 0)
        #expect(all.stdout.contains("valid-one  a valid scenario [demo]"))
        #expect(all.stdout.contains("other-two"))
        let filtered = try await ChaosBinary.run(["list", directory.url.path, "--filter", "shut*"])
        #expect(filtered.stdout.contains("other-two"))
        #expect(!filtered.stdout.contains("valid-one"))
    }
}

@Suite struct LibraryTests {
    @Test("every scenario in Scenarios/ validates")
    func libraryValidates() async throws {
        let scenarios = try ScenarioLoader.load([ScenarioPaths.library])
        #expect(scenarios.count >= 17)
        #expect(Set(scenarios.map(\.name)).count == scenarios.count)
    }
}
