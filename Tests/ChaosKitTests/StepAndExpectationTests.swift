import ChaosKit
import Foundation
import Testing

/// Every step kind and every expectation kind of docs/SCENARIOS.md against the real metro-bot and
/// the fakes: a few scenarios that each run the bot once, with expectations that must hold next to
/// ones written to fail, so each kind is shown both to pass and to fail with a useful message.
@Suite struct StepAndExpectationTests {
    static var botBinary: URL { RunnerTests.botBinary }

    /// Runs `yaml` against the real bot; the journal's failure and every step are in the messages.
    static func run(_ yaml: String, seed: UInt64 = 21) async throws -> ScenarioJournal {
        let scenario = try ScenarioParser.parse(yaml, file: "kinds.yaml")
        return await ScenarioRunner(botExecutable: botBinary, serviceAccountKeyPEM: TestKeys.fake).run(scenario, seed: seed)
    }

    static func describe(_ journal: ScenarioJournal) -> String {
        ([journal.failure ?? "no failure"] + journal.steps.map { "\($0.index) \($0.keyword) \($0.passed ? "ok" : "FAILED") \($0.detail) \($0.failure ?? "")" }
            + (journal.steadyState + journal.expectations).map { "\($0.keyword) \($0.passed): expected \($0.expected), saw \($0.actual)" }
            + [journal.botLog.suffix(1500).description]).joined(separator: "\n")
    }

    static let webhookKinds = """
        name: webhook-kinds
        description: the steps that talk to a running bot, and every expectation kind, in webhook mode
        timeout: 60s
        users: [{id: 2001, first_name: Ana, username: ana}]
        steady_state:
          - health: {status: {one_of: [ok, degraded]}}
        steps:
          - start_bot: {env: {LOG_LEVEL: info}}
          - wait_until: {bot: listening, timeout: 15s}
          - wait_until: {health: {mode: webhook, telegram.webhook_set: true}, timeout: 15s}
          - http: {method: GET, path: /health, expect_status: 200}
          - http: {path: /telegram/webhook, credential: wrong, body: '{"update_id": 1}', expect_status: 401}
          - send: {user: 2001, text: /checkin}
            save_as: checkin
          - wait_until: {sent: {chat: 2001, contains: location}, timeout: 10s}
          - fault: {target: sheets, match: {operation: append}, delay: 1s, times: 1}
          - send: {user: 2001, location: [40.4168, -3.7038]}
            save_as: location
          - wait_until: {held: {target: sheets, method: append}, timeout: 10s}
          - clear_faults: {}
          - wait_until: {sheet_rows: {sheet: Attendance, count: 1}, timeout: 15s}
          - wait_until: {update: {id: $location, state: confirmed}, timeout: 10s}
          - send: {user: 2001, callback: {data: unknown-button, message_id: 2}}
            save_as: callback
          - send: {raw: {edited_message: {message_id: 1, date: 1795000000, chat: {id: 2001, type: private}, from: {id: 2001, is_bot: false, first_name: Ana}, text: hi}}}
            save_as: edited
          - wait_until: {update: {id: $callback, state: confirmed}, timeout: 10s}
          - wait_until: {update: {id: $edited, state: confirmed}, timeout: 10s}
          - wait_until: {log: "mode=webhook", timeout: 5s}
          # On a loaded machine the held append can outlast the bot's 2 s HTTP_TIMEOUT: the bot then
          # waits out its settle delay and finds the row in the sheet, so the outbox empties later.
          - wait_until: {health: {outbox.queued: 0}, timeout: 20s}
          - sleep: 100ms
        expect:
          - bot: {running: true}
          - health: {mode: webhook, outbox.queued: 0, location.sites: 2, pending_actions: 0}
          - calls: {target: telegram, method: setWebhook, count: {at_least: 1}}
          - calls: {target: sheets, method: append, count: {at_least: 1, at_most: 3}}
          - sheet_rows: {sheet: Attendance, count: 1, values: [{user_id: "2001", username: ana, action: check_in, site: Sol}], no_duplicates: update_id}
          - sent: {chat: 2001, contains: "Checked in", regex: "Sol \\\\(\\\\d+ m\\\\)", count: {at_least: 2}}
          - log: {matches: "mode=webhook", never_matches: "(?i)fatal|panic", no_secrets: true}
          - peak_rss: {at_most: 1GiB}
          - updates: {all_confirmed: true}
          - update: {id: $callback, state: confirmed}
          # Each of these is false on purpose: the runner must say so, and what it saw.
          - bot: {running: false}
          - health: {mode: polling}
          - calls: {target: telegram, method: setWebhook, count: 0}
          - calls: {target: telegram, method: sendMessage, gaps: {at_least: 1h}}
          - sheet_rows: {sheet: Attendance, count: 2, values: [{site: Atocha}]}
          - sent: {chat: 2001, contains: "no such reply", count: 0}
          - log: {matches: "no-such-line-in-any-log"}
          - peak_rss: {at_most: 1MiB}
          - update: {id: $checkin, state: queued}
        """

    @Test("in webhook mode every step runs, every true expectation passes and every false one fails saying what it saw")
    func webhookKinds() async throws {
        let journal = try await Self.run(Self.webhookKinds)
        let context = Comment(rawValue: Self.describe(journal))
        try #require(journal.steps.count == 20, context)
        #expect(journal.steps.filter { !$0.passed }.isEmpty, context)
        #expect(journal.steps.map(\.keyword) == [
            "start_bot", "wait_until", "wait_until", "http", "http", "send", "wait_until", "fault", "send", "wait_until", "clear_faults",
            "wait_until", "wait_until", "send", "send", "wait_until", "wait_until", "wait_until", "wait_until", "sleep",
        ])
        #expect(journal.steps[3].detail.contains("GET /health") && journal.steps[3].detail.hasSuffix("→ 200"), context)
        #expect(journal.steps[4].detail.contains("(credential wrong") && journal.steps[4].detail.hasSuffix("→ 401"), context)
        #expect(journal.steps[9].detail.contains("1 of 1 append call(s) held"), context)
        #expect(journal.steps[10].detail == "cleared all faults", context)
        #expect(journal.faults.count == 1 && journal.faults[0].fired == 1, context)
        // The steady state was checked before the fault (step 8) and after the last step.
        #expect(journal.steadyState.map(\.keyword) == ["health (before the first fault)", "health (after the last step)"], context)
        #expect(journal.steadyState.filter { !$0.passed }.isEmpty, context)

        let results = journal.expectations
        try #require(results.count == 19, context)
        let holding = results.prefix(10), failing = Array(results.suffix(9))
        for result in holding { #expect(result.passed, "\(result.keyword) at \(result.location): expected \(result.expected), saw \(result.actual)") }
        for result in failing { #expect(!result.passed, "\(result.keyword) at \(result.location) passed but is false: \(result.expected)") }
        #expect(failing[0].actual.hasPrefix("running (pid"))
        #expect(failing[1].actual.contains("mode=webhook") && failing[1].evidence.first?.hasPrefix("/health: {") == true, "\(failing[1])")
        // Usually one call; on a loaded machine the watchdog may fall back and set the webhook again,
        // and then the gaps are listed before the verdict.
        #expect(failing[2].actual.contains("call(s)") && failing[2].actual.hasSuffix("(count)")
                && failing[2].evidence.contains { $0.contains("setWebhook → 200") }, "\(failing[2])")
        // setWebhook's parameters carry the webhook secret: evidence shows it redacted, never in part.
        #expect(!failing[2].evidence.contains { $0.contains(#""secret_token":"whs"#) }, "\(failing[2].evidence)")
        #expect(failing[2].evidence.contains { $0.contains(#""secret_token":"<redacted>""#) }, "\(failing[2].evidence)")
        #expect(failing[3].actual.contains("a gap shorter than 1h"), "\(failing[3])")
        #expect(failing[4].actual.contains("1 row(s)") && failing[4].actual.contains("no row with site=Atocha"), "\(failing[4])")
        #expect(failing[4].evidence.contains { $0.contains("2001") && $0.contains("Sol") }, "\(failing[4])")
        #expect(failing[5].actual.contains(#"none contains "no such reply""#) && failing[5].actual.contains("count"), "\(failing[5])")
        #expect(failing[5].evidence.contains { $0.contains("Checked in") }, "\(failing[5])")
        #expect(failing[6].actual.contains("no line matches /no-such-line-in-any-log/") && !failing[6].evidence.isEmpty, "\(failing[6])")
        #expect(failing[7].actual.hasPrefix("peak RSS ") && failing[7].expected == "peak RSS <= 1.0 MiB", "\(failing[7])")
        #expect(failing[8].actual.contains("is confirmed"), "\(failing[8])")
        #expect(journal.outcome == .failed)
        #expect(journal.failure?.hasPrefix("9 check(s) failed; first: bot at kinds.yaml:") == true, context)
        #expect(journal.failure?.contains("saw running (pid") == true, context)
    }

    static let lifecycleKinds = """
        name: lifecycle-kinds
        description: memory_limit, webhook_outage, restart_bot, stop_bot, start_bot again and signal, with the bot expectation
        timeout: 90s
        users: [{id: 2101, first_name: Bo}]
        steps:
          - memory_limit: 300MiB
          - start_bot: {}
          - wait_until: {health: {mode: webhook, memory.limit_bytes: 314572800}, timeout: 15s}
          - webhook_outage: on
          - send: {user: 2101, text: /help}
            save_as: during_outage
          - wait_until: {update: {id: $during_outage, state: delivered}, timeout: 10s}
          - webhook_outage: off
          - wait_until: {update: {id: $during_outage, state: confirmed}, timeout: 20s}
          - memory_limit: 200MiB
          - restart_bot: {signal: INT, timeout: 10s, env: {LOG_LEVEL: debug}}
          - wait_until: {health: {memory.limit_bytes: 209715200}, timeout: 15s}
          - stop_bot: {signal: TERM, timeout: 10s}
          - start_bot: {}
          - wait_until: {bot: listening, timeout: 15s}
          - signal: KILL
          - wait_until: {bot: exited, timeout: 10s}
        expect:
          - bot: {exit_code: 137, running: false, stopped_within: 5s}
          - sent: {chat: 2101, contains: "/checkin"}
          - bot: {exit_code: 0}
          - health: {status: ok}
        """

    @Test("memory_limit, webhook_outage, restart_bot, stop_bot and signal act on the real process, and the bot expectation reads its exit")
    func lifecycleKinds() async throws {
        let journal = try await Self.run(Self.lifecycleKinds)
        let context = Comment(rawValue: Self.describe(journal))
        try #require(journal.steps.count == 16, context)
        #expect(journal.steps.filter { !$0.passed }.isEmpty, context)
        #expect(journal.steps[0].detail == "MEMORY_LIMIT_BYTES=314572800 from the next start", context)
        #expect(journal.steps[3].detail == "webhook deliveries fail" && journal.steps[6].detail == "webhook deliveries work again", context)
        // The first delivery failed in the outage; the update was handed out again after it.
        let attempts = journal.steps[7].detail.firstMatch(of: /confirmed after (\d+) attempt/).flatMap { Int($0.1) }
        #expect((attempts ?? 0) >= 2, context)
        #expect(journal.steps[9].detail.hasPrefix("sent INT; exited with 0; started pid"), context)
        #expect(journal.steps[11].detail == "sent TERM; exited with 0", context)
        #expect(journal.steps[14].detail.hasPrefix("sent SIGKILL to pid"), context)
        #expect(journal.botRuns.map(\.exitCode) == [0, 0, 137], context)
        #expect(journal.botRuns.map(\.signals) == [["INT"], ["TERM"], ["KILL"]], context)

        let results = journal.expectations
        try #require(results.count == 4, context)
        #expect(results[0].passed, "\(results[0])")
        #expect(results[0].actual.contains("exit code 137 (killed by signal 9)"), "\(results[0])")
        #expect(results[1].passed, "\(results[1])")
        #expect(!results[2].passed && results[2].actual.contains("exit code 137"), "\(results[2])")
        #expect(!results[3].passed && results[3].actual == "the bot is not running; /health cannot answer", "\(results[3])")
    }

    @Test("a deliberately broken bot configuration (a spreadsheet that does not exist) fails the row expectation with the failing appends as evidence")
    func brokenSpreadsheet() async throws {
        let journal = try await Self.run("""
            name: broken-spreadsheet
            description: SPREADSHEET_ID names no spreadsheet; the bot runs, but no row can land
            bot: {mode: polling, env: {SPREADSHEET_ID: no-such-spreadsheet}}
            users: [{id: 2201, first_name: Cy}]
            steps:
              - start_bot: {}
              - wait_until: {log: "mode=polling", timeout: 15s}
              - send: {user: 2201, text: /checkin}
              - send: {user: 2201, location: [40.4168, -3.7038]}
              - wait_until: {calls: {target: sheets, method: append, count: 1}, timeout: 15s}
            expect:
              - sheet_rows: {sheet: Attendance, count: 1}
              - calls: {target: sheets, method: append, count: 0}
              - log: {no_secrets: true}
            """)
        let context = Comment(rawValue: Self.describe(journal))
        #expect(journal.outcome == .failed, context)
        #expect(journal.steps.filter { !$0.passed }.isEmpty, context)
        try #require(journal.expectations.count == 3, context)
        let rows = journal.expectations[0], appends = journal.expectations[1]
        #expect(!rows.passed && rows.actual == "0 row(s)", "\(rows)")
        #expect(!appends.passed && appends.evidence.contains { $0.contains("append → 404") }, "\(appends)")
        #expect(journal.expectations[2].passed, "\(journal.expectations[2])")
        #expect(journal.failure?.contains("sheet_rows at kinds.yaml:") == true && journal.failure?.contains("saw 0 row(s)") == true, context)
    }
}
