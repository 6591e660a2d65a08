import ChaosKit
import Foundation
import Testing

/// Two real metro-bot instances in webhook mode behind the round-robin front, each on its own
/// SQLite file: deliveries reach both through the front, a SIGKILL to one leaves the other
/// serving, and every expectation reads the instance it names.
@Suite struct MultiInstanceTests {
    static let twoInstances = """
        name: two-instances-behind-front
        description: deliveries reach both instances through the front; SIGKILL to a leaves b serving alone
        timeout: 90s
        users: [{id: 3001}, {id: 3002}, {id: 3003}, {id: 3004}, {id: 3005}]
        steps:
          - start_bot: {instance: a}
          - start_bot: {instance: b}
          - wait_until: {instance: a, health: {mode: webhook}, timeout: 20s}
          - wait_until: {instance: b, health: {mode: webhook}, timeout: 20s}
          - send: {user: 3001, text: /start}
          - wait_until: {sent: {chat: 3001, contains: "Hi "}, timeout: 15s}
          - send: {user: 3002, text: /start}
          - wait_until: {sent: {chat: 3002, contains: "Hi "}, timeout: 15s}
          - send: {user: 3003, text: /start}
          - wait_until: {sent: {chat: 3003, contains: "Hi "}, timeout: 15s}
          - signal: {instance: a, signal: KILL}
          - wait_until: {instance: a, bot: exited, timeout: 10s}
          - send: {user: 3004, text: /start}
          - wait_until: {sent: {chat: 3004, contains: "Hi "}, timeout: 15s}
          - send: {user: 3005, text: /start}
          - wait_until: {sent: {chat: 3005, contains: "Hi "}, timeout: 15s}
        expect:
          - deliveries: {instance: a, at_least: 1}
          - deliveries: {instance: b, at_least: 3}
          - bot: {instance: a, exit_code: 137}
          - bot: {instance: b, running: true}
          - health: {instance: b, mode: webhook}
          - log: {instance: b, matches: "mode=webhook", no_secrets: true}
          - updates: {all_confirmed: true}
          # False on purpose: the checks read the instance they name.
          - bot: {instance: a, running: true}
          - deliveries: {instance: a, at_least: 4}
        """

    @Test("two instances behind the front: both get deliveries, SIGKILL stops only a, and b serves the rest")
    func twoInstances() async throws {
        let scenario = try ScenarioParser.parse(Self.twoInstances, file: "two.yaml")
        let journal = await ScenarioRunner(botExecutable: RunnerTests.botBinary, keep: true, serviceAccountKeyPEM: TestKeys.fake)
            .run(scenario, seed: 7)
        let kept = try #require(journal.keptDirectory)
        defer { try? FileManager.default.removeItem(atPath: kept) }
        let description = StepAndExpectationTests.describe(journal)
        #expect(journal.steps.count == scenario.steps.count, "\(description)")
        #expect(journal.steps.allSatisfy { $0.passed }, "\(description)")
        let results = journal.expectations.map(\.passed)
        #expect(results == [true, true, true, true, true, true, true, false, false], "\(description)")
        // Each delivery went through the front to exactly one instance.
        let deliveries = try #require(journal.frontDeliveries)
        #expect(deliveries["a", default: 0] + deliveries["b", default: 0] == 5, "\(deliveries)")
        #expect(journal.expectations[7].actual.contains("exited with 137"), "\(journal.expectations[7])")
        // Each instance ran as its own process, on its own SQLite file, with its own log.
        #expect(journal.botRuns.map(\.instance) == ["a", "b"])
        #expect(journal.botRuns[0].signals == ["KILL"])
        #expect(journal.botRuns[1].signals == ["TERM"], "b is stopped at the end as a single bot is")
        for name in ["a", "b"] {
            let directory = URL(fileURLWithPath: kept).appendingPathComponent("instances/\(name)")
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("data/metropolitan.sqlite").path))
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("bot-output.log").path))
        }
        #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: kept).appendingPathComponent("data/metropolitan.sqlite").path),
                "no default instance was started")
        #expect(journal.botLog.contains("== instance a =="))
    }
}
