import ChaosKit
import Testing

/// `instance:` on steps and expectations, and the scenario-level `store:`: what reads, what is
/// refused at which line with which message, and the round trip through ``ScenarioWriter``.
@Suite struct InstanceParserTests {
    static let twoInstances = """
        name: two-instances
        description: a check-in opened on one instance and completed on the other
        store: postgres
        users: [{id: 1001}]
        steps:
          - start_bot: {instance: a}
          - start_bot: {instance: b, env: {LOG_LEVEL: debug}}
          - wait_until: {instance: b, health: {mode: webhook}, timeout: 15s}
          - send: {user: 1001, text: /checkin}
          - signal: {instance: a, signal: KILL}
          - wait_until: {bot: exited, instance: a, timeout: 5s}
          - restart_bot: {instance: a, signal: TERM, timeout: 5s, env: {SHUTDOWN_GRACE: 2s}}
          - http: {instance: b, method: GET, path: /health, expect_status: 200}
          - stop_bot: {instance: b, signal: TERM, timeout: 10s}
        expect:
          - bot: {instance: b, exit_code: 0}
          - health: {instance: a, mode: webhook, outbox: {queued: 0}}
          - log: {instance: a, no_secrets: true}
          - peak_rss: {instance: a, at_most: 512MiB}
          - deliveries: {instance: b, at_least: 1}
          - deliveries: {instance: a, count: 2}
          - sheet_rows: {count: 1}
        """

    @Test("steps and expectations read their instance; the others target the default one")
    func instancesRead() throws {
        let scenario = try ScenarioParser.parse(Self.twoInstances, file: "two.yaml")
        #expect(scenario.store == .postgres)
        #expect(scenario.instances == ["a", "b"])
        #expect(scenario.steps.map(\.instance) == ["a", "b", "b", "default", "a", "a", "a", "b", "b"])
        guard case .signal(let signal) = scenario.steps[4].action else { Issue.record("step 5 is not a signal"); return }
        #expect(signal == .kill)
        guard case .startBot(let env) = scenario.steps[1].action else { Issue.record("step 2 is not a start"); return }
        #expect(env == ["LOG_LEVEL": "debug"])
        #expect(scenario.expectations.map(\.instance) == ["b", "a", "a", "a", "b", "a", "default"])
        #expect(scenario.expectations[1].kind == .health([FieldCheck(path: "mode", matcher: .equals("webhook")),
                                                          FieldCheck(path: "outbox.queued", matcher: .equals("0"))]))
        #expect(scenario.expectations[4].kind == .deliveries(CountCheck(atLeast: 1)))
        #expect(scenario.expectations[5].kind == .deliveries(CountCheck(exactly: 2)))
    }

    @Test("a scenario without instance or store reads as before: one default instance, the run's store")
    func defaults() throws {
        let scenario = try ScenarioParser.parse(ScenarioParserTests.complete, file: "s.yaml")
        #expect(scenario.store == nil)
        #expect(scenario.instances == ["default"])
        #expect(scenario.steps.allSatisfy { $0.instance == BotInstanceName.default })
        #expect(scenario.expectations.allSatisfy { $0.instance == BotInstanceName.default })
    }

    static let head = "name: x\ndescription: d\nsteps:\n"

    /// Each row: a scenario with one mistake, where it must be reported, and what the message says.
    static let mistakes: [(String, Int, Int, String)] = [
        (head + "  - start_bot: {instance: a}\n  - signal: {instance: b, signal: KILL}\nexpect: [{bot: {running: true}}]", 5, 24,
         "instance 'b' is not started by an earlier start_bot step (start_bot: {instance: b}); started so far: a"),
        (head + "  - signal: {instance: a, signal: KILL}\n  - start_bot: {instance: a}\nexpect: [{bot: {running: true}}]", 4, 24,
         "instance 'a' is not started by an earlier start_bot step"),
        (head + "  - start_bot: {instance: B}\nexpect: [{bot: {running: true}}]", 4, 27, "a lowercase letter then lowercase letters, digits and dashes"),
        (head + "  - start_bot: {instance: 2nd}\nexpect: [{bot: {running: true}}]", 4, 27, "found '2nd'"),
        (head + "  - start_bot: {instance: a-very-long-instance-name}\nexpect: [{bot: {running: true}}]", 4, 27, "at most 20 characters"),
        (head + "  - start_bot: {instance: a}\n  - sleep: 1s\nexpect:\n  - bot: {instance: c, running: true}", 7, 21,
         "instance 'c' is not started by an earlier start_bot step"),
        (head + "  - start_bot: {instance: a}\n  - wait_until: {instance: a, sheet_rows: {count: 1}, timeout: 5s}\nexpect: [{bot: {running: true}}]", 5, 28,
         "only with a condition on a bot"),
        (head + "  - start_bot: {instance: a}\n  - http: {instance: a, path: /control/reset, target: telegram}\nexpect: [{bot: {running: true}}]", 5, 22,
         "only for requests to a bot"),
        (head + "  - start_bot: {instance: a}\n  - send: {instance: a, raw: {message: {}}}\nexpect: [{bot: {running: true}}]", 5, 12, "unknown key 'instance' in send"),
        (head + "  - start_bot: {instance: a}\nexpect:\n  - sheet_rows: {instance: a, count: 1}", 6, 18, "unknown key 'instance' in expect.sheet_rows"),
        (head + "  - start_bot: {instance: a}\nexpect:\n  - deliveries: {instance: a}", 6, 17, "needs count, at_least or at_most"),
        (head + "  - start_bot: {instance: a}\nexpect:\n  - deliveries: {instance: a, at_least: 1}", 6, 17, "only a scenario that starts two or more instances"),
        (head + "  - signal: {instance: a}\nexpect: [{bot: {running: true}}]", 4, 13, "signal needs 'signal'"),
        (head + "  - start_bot: {instance: a}\n  - signal: KILL\nexpect: [{sheet_rows: {count: 0}}]", 5, 13,
         "signal without 'instance' targets the default instance, which this scenario never starts; name one of its instances (a)"),
        (head + "  - start_bot: {instance: a}\n  - wait_until: {bot: exited, timeout: 1s}\nexpect: [{sheet_rows: {count: 0}}]", 5, 17,
         "wait_until without 'instance' targets the default instance"),
        (head + "  - start_bot: {instance: a}\n  - sleep: 1s\nexpect:\n  - log: {no_secrets: true}", 7, 10,
         "expect.log without 'instance' targets the default instance"),
        ("name: x\ndescription: d\nstore: mysql\nsteps: [{sleep: 1s}]\nexpect: [{bot: {running: true}}]", 3, 8, "one of sqlite, postgres"),
    ]

    @Test("each mistake with instance or store is reported at its line and column", arguments: mistakes)
    func mistake(yaml: String, line: Int, column: Int, fragment: String) {
        do {
            _ = try ScenarioParser.parse(yaml, file: "bad.yaml")
            Issue.record("the scenario parsed; expected '\(fragment)'")
        } catch {
            let match = error.diagnostics.first { $0.message.contains(fragment) }
            #expect(match != nil, "no diagnostic mentions '\(fragment)': \(error.diagnostics)")
            #expect(match?.location == SourceLocation(file: "bad.yaml", line: line, column: column), "\(error.diagnostics)")
        }
    }

    @Test("a scenario with instances and a store is written and reads back the same")
    func roundTrip() throws {
        let original = try ScenarioParser.parse(Self.twoInstances, file: "two.yaml")
        let written = try ScenarioWriter.yaml(original)
        let reread = try ScenarioParser.parse(written, file: "written.yaml")
        #expect(reread.store == .postgres)
        #expect(reread.steps.map(\.instance) == original.steps.map(\.instance))
        #expect(reread.steps.map { "\($0.action)" } == original.steps.map { "\($0.action)" })
        #expect(reread.expectations.map(\.instance) == original.expectations.map(\.instance))
        #expect(reread.expectations.map(\.kind) == original.expectations.map(\.kind))
        #expect(written.contains("signal: {instance: a, signal: KILL}"), "\(written)")
        #expect(try ScenarioWriter.yaml(reread) == written)
    }

    @Test("instance names", arguments: [("a", true), ("blue-2", true), ("default", true), ("abcdefghijklmnopqrst", true),
                                        ("abcdefghijklmnopqrstu", false), ("B", false), ("-a", false), ("a_b", false), ("", false)])
    func names(name: String, valid: Bool) {
        #expect((BotInstanceName.problem(name) == nil) == valid)
    }
}
