import ChaosKit
import Foundation
import Testing

/// The runner end to end: real fakes on ephemeral ports, and the real metro-bot as a child process.
@Suite struct RunnerTests {
    static var botBinary: URL { ChaosBinary.buildDirectory.appendingPathComponent("metro-bot") }

    static func parse(_ yaml: String) throws -> Scenario {
        try ScenarioParser.parse(yaml, file: "test.yaml")
    }

    static let floodOnly = """
        name: flood-order
        description: a flood against the fakes alone; nobody confirms the updates
        steps:
          - flood: {users: 12, messages: 2, concurrency: 4, text: hello}
          - fault: {target: sheets, match: {operation: append}, respond: {status: 503}, probability: 0.5}
          - wait_until: {calls: {target: telegram, method: getUpdates, count: 1}, timeout: 300ms}
        expect:
          - updates: {all_confirmed: true}
        """

    @Test("the same seed reproduces the same journal; another seed changes the flood order")
    func seedsReproduce() async throws {
        let scenario = try Self.parse(Self.floodOnly.replacingOccurrences(of: "  - wait_until: {calls: {target: telegram, method: getUpdates, count: 1}, timeout: 300ms}\n", with: ""))
        let runner = ScenarioRunner(botExecutable: nil, serviceAccountKeyPEM: TestKeys.fake)
        let first = await runner.run(scenario, seed: 1234)
        let second = await runner.run(scenario, seed: 1234)
        let other = await runner.run(scenario, seed: 98765)
        func replayable(_ journal: ScenarioJournal) -> [String] {
            journal.steps.map { "\($0.keyword) \($0.detail) \($0.passed)" } + journal.faults.map(\.rule)
                + journal.expectations.map { "\($0.keyword) \($0.expected) \($0.actual) \($0.passed)" }
        }
        #expect(first.seed == 1234)
        #expect(replayable(first) == replayable(second))
        #expect(first.steps[0].detail != other.steps[0].detail, "seeds 1234 and 98765 gave the same flood order: \(first.steps[0].detail)")
        #expect(first.steps[0].detail.contains("24 updates from 12 users"))
    }

    @Test("without a bot nothing is confirmed: the scenario fails, naming the updates, and a timed-out wait says what it saw")
    func runnerCanFail() async throws {
        let runner = ScenarioRunner(botExecutable: nil, serviceAccountKeyPEM: TestKeys.fake)
        let unconfirmed = await runner.run(try Self.parse(Self.floodOnly.replacingOccurrences(of: "  - wait_until: {calls: {target: telegram, method: getUpdates, count: 1}, timeout: 300ms}\n", with: "")), seed: 1)
        #expect(unconfirmed.outcome == .failed)
        let check = try #require(unconfirmed.expectations.first)
        #expect(!check.passed)
        #expect(check.actual.contains("24 of 24 not confirmed"))
        #expect(check.evidence.first?.contains("queued") == true)

        let timedOut = await runner.run(try Self.parse(Self.floodOnly), seed: 1)
        #expect(timedOut.outcome == .failed)
        let failure = try #require(timedOut.failure)
        #expect(failure.contains("step 3 (wait_until at test.yaml:6:5) failed"))
        #expect(failure.contains("last seen: 0 getUpdates call(s)"))
        #expect(timedOut.expectations.isEmpty)
    }

    @Test("a polling check-in against the real bot passes: one row, a confirmation, every update confirmed")
    func realBotCheckIn() async throws {
        let text = try String(contentsOfFile: ScenarioPaths.library + "/polling-check-in.yaml", encoding: .utf8)
        let scenario = try ScenarioParser.parse(text, file: "polling-check-in.yaml")
        let journal = await ScenarioRunner(botExecutable: Self.botBinary, serviceAccountKeyPEM: TestKeys.fake).run(scenario, seed: 7)
        #expect(journal.outcome == .passed, "\(journal.failure ?? "")\n\(JUnitReport.render(RunJournal(startedAt: Date(), durationSeconds: 0, seed: 7, jobs: 1, scenarios: [journal])))")
        #expect(journal.botRuns.first?.exitCode == 0)
        #expect(journal.botRuns.first?.signals == ["TERM"])
    }

    @Test("a broken bot configuration makes the scenario fail with the bot's exit code and its own explanation")
    func brokenConfiguration() async throws {
        let scenario = try Self.parse("""
            name: broken-config
            description: HTTP_TIMEOUT is not a duration
            bot: {mode: polling, env: {HTTP_TIMEOUT: soon}}
            users: [{id: 5}]
            steps:
              - start_bot: {}
              - wait_until: {calls: {target: telegram, method: getUpdates, count: 1}, timeout: 10s}
            expect:
              - bot: {running: true}
            """)
        let journal = await ScenarioRunner(botExecutable: Self.botBinary, serviceAccountKeyPEM: TestKeys.fake).run(scenario, seed: 3)
        #expect(journal.outcome == .failed)
        let failure = try #require(journal.failure)
        #expect(failure.contains("The bot exited with code 78"), "\(failure)")
        #expect(failure.contains("HTTP_TIMEOUT"), "\(failure)")
        #expect(journal.keptDirectory == nil)
    }
}

enum ScenarioPaths {
    /// `Scenarios/` of this package, found from this source file.
    static var library: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scenarios").path
    }
}
