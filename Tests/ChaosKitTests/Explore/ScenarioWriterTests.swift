import ChaosKit
import Testing

@Suite struct ScenarioWriterTests {
    /// Every step and expectation kind of docs/SCENARIOS.md, with the awkward values: quoted
    /// numbers, an empty string in a raw update, regexes, huge ids.
    static let everything = """
        name: round-trip
        description: 'Every step and expectation kind: written back, it reads the same'
        tags: [explore, "2026"]
        timeout: 90s
        bot:
          mode: polling
          env: {SHUTDOWN_GRACE: 5s, LOG_LEVEL: debug}
        users:
          - {id: 1001, first_name: Ana, username: ana}
          - {id: 1002}
        sites:
          - {name: Sol, latitude: 40.4168, longitude: -3.7038, radius_m: 300}
        steps:
          - start_bot: {env: {LOG_LEVEL: info}}
          - stop_bot: {signal: INT, timeout: 10s}
          - restart_bot: {signal: KILL, env: {SHUTDOWN_GRACE: 2s}}
          - signal: TERM
          - send: {user: 1001, text: /checkin}
            save_as: first
          - send: {user: 1001, location: [91.5, -3.7]}
          - send: {user: 1002, callback: {data: confirm, message_id: 12}}
          - send: {raw: {callback_query: {id: "", data: "42", from: {id: 9223372036854775807, is_bot: false}}, note: null}}
          - send: {user: 1002, text: "yes"}
          - fault: {target: sheets, match: {operation: append}, respond: {status: 503, body: '{"error": 1}'}, times: 2, after: 1, probability: 0.25}
          - fault: {target: telegram, match: {method: sendMessage}, respond: {status: 429, retry_after: 2}}
          - fault: {target: telegram, match: {method: delivery}, delay: 1500ms, action: close}
          - clear_faults: sheets
          - clear_faults: {}
          - webhook_outage: on
          - webhook_outage: off
          - flood: {users: 5, messages: 2, concurrency: 3, text: hello, padding: 2KiB}
          - flood: {users: 4, messages: 1, checkin: true}
          - memory_limit: 96MiB
          - sleep: 250ms
          - wait_until: {health: {mode: webhook, outbox: {queued: 0}, "memory.percent": {at_most: 80}}, timeout: 15s}
          - wait_until: {log: "mode=(polling|webhook)", timeout: 10s}
          - wait_until: {calls: {target: telegram, method: getUpdates, count: 1}, timeout: 10s}
          - wait_until: {update: {id: $first, state: confirmed}, timeout: 10s}
          - wait_until: {sheet_rows: {count: 3}, timeout: 20s}
          - wait_until: {sent: {chat: 1001, contains: "Checked in"}, timeout: 10s}
          - wait_until: {held: {target: sheets, method: append}, timeout: 10s}
          - wait_until: {bot: exited, timeout: 5s}
          - wait_until: {bot: listening, timeout: 5s}
          - http: {path: /telegram/webhook, credential: wrong, body: '{"update_id": 1}', expect_status: 401}
          - http: {method: GET, path: /health, body_size: 2MiB}
        expect:
          - bot: {exit_code: 0, stopped_within: 6s}
          - bot: {running: true}
          - health: {status: {one_of: [ok, degraded]}, mode: {not: starting}, uptime_s: {at_least: 1}}
          - calls: {target: telegram, method: setWebhook, count: {at_least: 1, at_most: 3}, gaps: {at_least: 200ms, increasing: true}}
          - sheet_rows: {count: 2, no_duplicates: update_id, values: [{user_id: "1001", site: Sol}, {action: check_out}]}
          - sent: {chat: 1001, regex: "Sol \\\\(\\\\d+ m\\\\)", count: 4}
          - log: {matches: "(?i)memory.*warn", never_matches: "fatal|panic", no_secrets: true}
          - peak_rss: {at_most: 256MiB}
          - updates: {all_confirmed: true}
          - update: {id: $first, state: confirmed}
        """

    @Test("a scenario written as YAML reads back the same, and writing it again gives the same text")
    func roundTrip() throws {
        let original = try ScenarioParser.parse(Self.everything, file: "everything.yaml")
        let written = try ScenarioWriter.yaml(original, header: ["a header comment"])
        #expect(written.hasPrefix("# a header comment\n"))
        let reread = try ScenarioParser.parse(written, file: "written.yaml")
        #expect(reread.name == original.name)
        #expect(reread.description == original.description)
        #expect(reread.tags == original.tags)
        #expect(reread.timeout == original.timeout)
        #expect(reread.bot == original.bot)
        #expect(reread.users == original.users)
        #expect(reread.sites == original.sites)
        #expect(reread.steps.map(\.saveAs) == original.steps.map(\.saveAs))
        #expect(reread.steps.map { "\($0.action)" } == original.steps.map { "\($0.action)" })
        #expect(reread.expectations.map(\.kind) == original.expectations.map(\.kind))
        #expect(try ScenarioWriter.yaml(reread, header: ["a header comment"]) == written)
    }

    @Test("a raw update keeps its types: an empty string, a quoted number, a huge id, null")
    func rawTypes() throws {
        let original = try ScenarioParser.parse(Self.everything, file: "everything.yaml")
        let reread = try ScenarioParser.parse(try ScenarioWriter.yaml(original), file: "written.yaml")
        guard case .send(let send) = reread.steps[7].action, case .raw(let json) = send.payload else {
            Issue.record("step 8 is not a raw send: \(reread.steps[7].action)")
            return
        }
        #expect(json.contains(#""id":"""#))
        #expect(json.contains(#""data":"42""#))
        #expect(json.contains("9223372036854775807"))
        #expect(json.contains(#""note":null"#))
    }
}
