import ChaosKit
import Testing
import MetroSupport

@Suite struct ScenarioParserTests {
    static let complete = """
        name: sigterm-mid-request
        description: SIGTERM while a check-in waits on a slow Sheets append; nothing is lost
        tags: [shutdown, sheets]
        timeout: 60s
        bot:
          mode: webhook
          env: {SHUTDOWN_GRACE: 5s}
        users: [{id: 1001, first_name: Ana, username: ana}]
        steps:
          - start_bot: {}
          - wait_until: {health: {mode: webhook}, timeout: 5s}
          - fault: {target: sheets, match: {operation: append}, delay: 3s, times: 1}
          - send: {user: 1001, text: /checkin}
          - send: {user: 1001, location: [40.4168, -3.7038]}
            save_as: location_update
          - wait_until: {held: {target: sheets, method: append}, timeout: 5s}
          - signal: TERM
          - wait_until: {bot: exited, timeout: 10s}
        steady_state:
          - health: {status: {one_of: [ok, degraded]}}
        expect:
          - bot: {exit_code: 0, stopped_within: 6s}
          - sheet_rows: {sheet: Attendance, count: 1, no_duplicates: update_id, values: [{user_id: 1001, site: Sol}]}
          - sent: {chat: 1001, contains: "Checked in"}
          - updates: {all_confirmed: true}
          - update: {id: $location_update, state: confirmed}
          - calls: {target: telegram, method: setWebhook, count: {at_least: 1}, gaps: {at_least: 100ms, increasing: true}}
          - log: {no_secrets: true, never_matches: "panic|fatal"}
          - peak_rss: {at_most: 256MiB}
          - health: {outbox: {queued: 0}, "memory.percent": {at_most: 90}}
        """

    @Test("a complete scenario reads into the typed model")
    func completeScenario() throws {
        let scenario = try ScenarioParser.parse(Self.complete, file: "s.yaml")
        #expect(scenario.name == "sigterm-mid-request")
        #expect(scenario.tags == ["shutdown", "sheets"])
        #expect(scenario.timeout == .seconds(60))
        #expect(scenario.bot == BotSettings(mode: .webhook, env: ["SHUTDOWN_GRACE": "5s"]))
        #expect(scenario.users == [ScenarioUser(id: 1001, firstName: "Ana", username: "ana")])
        #expect(scenario.steps.map(\.action.keyword) == ["start_bot", "wait_until", "fault", "send", "send", "wait_until", "signal", "wait_until"])
        #expect(scenario.steps[4].saveAs == "location_update")
        #expect(scenario.steps[4].location == SourceLocation(file: "s.yaml", line: 14, column: 5))
        guard case .fault(let rule) = scenario.steps[2].action else { Issue.record("step 3 is not a fault"); return }
        #expect(rule == ScenarioFault(target: .sheets, match: "append", delay: .seconds(3), times: 1))
        guard case .send(let send) = scenario.steps[4].action else { Issue.record("step 5 is not a send"); return }
        #expect(send == SendStep(user: 1001, payload: .location(latitude: 40.4168, longitude: -3.7038)))
        guard case .waitUntil(let condition, let timeout) = scenario.steps[5].action else { Issue.record("step 6 is not a wait"); return }
        #expect(condition == .held(target: .sheets, method: "append"))
        #expect(timeout == .seconds(5))
        guard case .signal(.term) = scenario.steps[6].action else { Issue.record("step 7 is not SIGTERM"); return }

        let kinds = scenario.expectations.map(\.kind)
        #expect(kinds[0] == .bot(BotExpectation(exitCode: 0, stoppedWithin: .seconds(6))))
        #expect(kinds[1] == .sheetRows(SheetRowsExpectation(count: CountCheck(exactly: 1), values: [["user_id": "1001", "site": "Sol"]], noDuplicates: "update_id")))
        #expect(kinds[4] == .update(id: .saved("location_update"), state: "confirmed"))
        #expect(kinds[5] == .calls(CallsExpectation(target: .telegram, method: "setWebhook", count: CountCheck(atLeast: 1),
                                                     gaps: GapCheck(atLeast: .milliseconds(100), increasing: true))))
        #expect(kinds[7] == .peakRSS(atMost: 256 << 20))
        #expect(kinds[8] == .health([FieldCheck(path: "outbox.queued", matcher: .equals("0")), FieldCheck(path: "memory.percent", matcher: .atMost(90))]))
        #expect(scenario.steadyState.map(\.kind) == [.health([FieldCheck(path: "status", matcher: .oneOf(["ok", "degraded"]))])])
    }

    @Test("every other step kind reads", arguments: [
        ("stop_bot: {signal: INT, timeout: 5s}", "stop_bot"),
        ("restart_bot: {signal: KILL, env: {LOG_LEVEL: debug}}", "restart_bot"),
        ("restart_bot:", "restart_bot"),
        ("send: {user: 1, callback: {data: yes, message_id: 4}}", "send"),
        ("send: {raw: {edited_message: {text: hi, chat: {id: 1}}}}", "send"),
        ("clear_faults: sheets", "clear_faults"),
        ("clear_faults: {}", "clear_faults"),
        ("webhook_outage: on", "webhook_outage"),
        ("store_outage: off", "store_outage"),
        ("flood: {users: 50, messages: 4, concurrency: 8, text: /checkin}", "flood"),
        ("flood: {users: 5, messages: 1, checkin: true}", "flood"),
        ("flood: {users: 5, messages: 1, text: /checkin, padding: 600KiB}", "flood"),
        ("memory_limit: 64MiB", "memory_limit"),
        ("sleep: 250ms", "sleep"),
        ("wait_until: {log: 'mode=polling', timeout: 2s}", "wait_until"),
        ("wait_until: {calls: {target: telegram, method: getUpdates, count: 2}, timeout: 2s}", "wait_until"),
        ("wait_until: {sheet_rows: {count: 3}, timeout: 2s}", "wait_until"),
        ("wait_until: {sent: {chat: 1, contains: Checked}, timeout: 2s}", "wait_until"),
        ("http: {path: /telegram/webhook, credential: wrong, body: '{}', expect_status: 401}", "http"),
        ("http: {path: /telegram/webhook, body_size: 2MiB, expect_status: 413}", "http"),
    ])
    func stepKinds(step: String, keyword: String) throws {
        let yaml = "name: x\ndescription: d\nstore: postgres\nusers: [{id: 1}]\nsteps:\n  - \(step)\nexpect:\n  - bot: {running: true}\n"
        let scenario = try ScenarioParser.parse(yaml, file: "x.yaml")
        #expect(scenario.steps.first?.action.keyword == keyword)
    }

    @Test("raw updates become JSON with their numbers and booleans kept")
    func rawUpdateJSON() throws {
        let yaml = "name: x\ndescription: d\nsteps:\n  - send: {raw: {message: {message_id: 3, text: hi, chat: {id: 7}, flag: true}}}\nexpect:\n  - bot: {running: true}\n"
        let scenario = try ScenarioParser.parse(yaml, file: "x.yaml")
        guard case .send(let send) = scenario.steps[0].action, case .raw(let json) = send.payload else {
            Issue.record("not a raw send"); return
        }
        #expect(json == #"{"message":{"chat":{"id":7},"flag":true,"message_id":3,"text":"hi"}}"#)
    }

    /// Each row: a scenario with one mistake, the line and column it must be reported at,
    /// and a fragment of the message saying what was expected.
    static let mistakes: [(String, Int, Int, String)] = [
        ("name: x\ndescription: d\nsteps:\n  - sleep: 5 seconds\nexpect: [{bot: {running: true}}]", 4, 12, "duration such as 250ms"),
        ("name: x\ndescription: d\nsteps:\n  - sleep: 1s\n    colour: red\nexpect: [{bot: {running: true}}]", 5, 5, "unknown key 'colour'"),
        ("name: x\ndescription: d\nstepz: []\nsteps: [{sleep: 1s}]\nexpect: [{bot: {running: true}}]", 3, 1, "did you mean 'steps'"),
        ("name: x\ndescription: d\nsteps:\n  - signal: HUP\nexpect: [{bot: {running: true}}]", 4, 13, "TERM, INT or KILL"),
        ("name: x\ndescription: d\nsteps:\n  - fault: {target: redis, match: {method: x}, delay: 1s}\nexpect: [{bot: {running: true}}]", 4, 21, "telegram, sheets"),
        ("name: x\ndescription: d\nsteps:\n  - fault: {target: sheets, match: {operation: appendd}, delay: 1s}\nexpect: [{bot: {running: true}}]", 4, 48, "did you mean 'append'"),
        ("name: x\ndescription: d\nsteps:\n  - fault: {target: telegram, match: {method: setWebhook}}\nexpect: [{bot: {running: true}}]", 4, 12, "at least one of respond, delay or action"),
        ("name: x\ndescription: d\nsteps:\n  - fault: {target: telegram, match: {method: setWebhook}, respond: {status: 700}}\nexpect: [{bot: {running: true}}]", 4, 78, "between 100 and 599"),
        ("name: x\ndescription: d\nsteps:\n  - fault: {target: telegram, match: {method: getMe}, delay: 1s, probability: 1.5}\nexpect: [{bot: {running: true}}]", 4, 79, "between 0 and 1"),
        ("name: x\ndescription: d\nsteps:\n  - send: {user: 5, text: hi}\nexpect: [{bot: {running: true}}]", 4, 18, "user 5 is not declared"),
        ("name: x\ndescription: d\nusers: [{id: 5}]\nsteps:\n  - send: {user: 5, location: [1]}\nexpect: [{bot: {running: true}}]", 5, 31, "[latitude, longitude]"),
        ("name: x\ndescription: d\nsteps:\n  - wait_until: {bot: exited}\nexpect: [{bot: {running: true}}]", 4, 17, "needs 'timeout'"),
        ("name: x\ndescription: d\nsteps:\n  - wait_until: {health: {mood: ok}, timeout: 1s}\nexpect: [{bot: {running: true}}]", 4, 27, "unknown health field 'mood'"),
        ("name: x\ndescription: d\nsteps:\n  - wait_until: {log: '(unclosed', timeout: 1s}\nexpect: [{bot: {running: true}}]", 4, 23, "valid regular expression"),
        ("name: x\ndescription: d\nsteps:\n  - sleep: 1s\n  - signal: TERM\n    sleep: 1s\nexpect: [{bot: {running: true}}]", 5, 5, "a step does one thing"),
        ("name: x\ndescription: d\nsteps:\n  - sleep: 1s\nexpect:\n  - update: {id: $nope, state: confirmed}", 6, 18, "'$nope' is not saved"),
        ("name: x\ndescription: d\nsteps:\n  - sleep: 1s\nexpect:\n  - sheet_rows: {values: [{sitee: Sol}]}", 6, 28, "unknown column 'sitee'"),
        ("name: x\ndescription: d\nsteps:\n  - sleep: 1s\nexpect:\n  - peak_rss: {at_most: lots}", 6, 25, "positive size"),
        ("name: Bad Name\ndescription: d\nsteps: [{sleep: 1s}]\nexpect: [{bot: {running: true}}]", 1, 7, "lowercase letters"),
        ("name: x\ndescription: d\nsteps: [{sleep: 1s}]", 1, 1, "needs 'expect'"),
        ("name: x\ndescription: d\nbot: {env: {shutdown_grace: 5s}}\nsteps: [{sleep: 1s}]\nexpect: [{bot: {running: true}}]", 3, 13, "environment variable name"),
        ("name: x\ndescription: d\nsteps: [{sleep: 1s}]\nexpect: [{bot: {running: true}}]\nname: y", 1, 1, "duplicate key 'name'"),
        ("name: x\ndescription: [unclosed\nsteps: []", 3, 6, "invalid YAML"),
        ("name: x\ndescription: d\nsteps:\n  - http: {path: health}\nexpect: [{bot: {running: true}}]", 4, 18, "start with '/'"),
        ("name: x\ndescription: d\nsteps:\n  - flood: {users: 3, messages: 2}\nexpect: [{bot: {running: true}}]", 4, 12, "'text'"),
        ("name: x\ndescription: d\nsteps:\n  - flood: {users: 3, messages: 2, text: hi, padding: 2MiB}\nexpect: [{bot: {running: true}}]", 4, 55, "at most 1000000 bytes"),
        ("name: x\ndescription: d\nsteps:\n  - flood: {users: 3, messages: 2, checkin: true, padding: 1KiB}\nexpect: [{bot: {running: true}}]", 4, 60, "not 'checkin'"),
        ("name: x\ndescription: d\nsteps:\n  - sleep: 1s\n  - store_outage: on\nexpect: [{bot: {running: true}}]", 5, 5, "add 'store: postgres'"),
        ("name: x\ndescription: d\nstore: postgres\nsteps:\n  - store_outage: maybe\nexpect: [{bot: {running: true}}]", 5, 19, "store_outage to be on or off"),
    ]

    @Test("each kind of mistake is reported at its line and column with what was expected", arguments: mistakes)
    func mistake(yaml: String, line: Int, column: Int, fragment: String) {
        #expect(throws: ScenarioValidationError.self) {
            try ScenarioParser.parse(yaml, file: "bad.yaml")
        }
        do {
            _ = try ScenarioParser.parse(yaml, file: "bad.yaml")
        } catch {
            let match = error.diagnostics.first { $0.message.contains(fragment) }
            #expect(match != nil, "no diagnostic mentions '\(fragment)': \(error.diagnostics)")
            #expect(match?.location == SourceLocation(file: "bad.yaml", line: line, column: column), "\(error.diagnostics)")
        }
    }

    @Test("all errors of a file are reported, not only the first")
    func allErrors() {
        let yaml = """
            name: x
            description: d
            users: [{id: 1}]
            steps:
              - sleep: soon
              - signal: HUP
              - send: {user: 2, text: hi}
            expect:
              - bot: {exit_code: 300}
            """
        do {
            _ = try ScenarioParser.parse(yaml, file: "many.yaml")
            Issue.record("an invalid scenario parsed")
        } catch {
            #expect(error.diagnostics.map(\.location.line) == [5, 6, 7, 9])
            #expect(error.description.contains("many.yaml:5:12: error:"))
        }
    }

    @Test("durations parse and format", arguments: [
        ("250ms", Duration.milliseconds(250), "250ms"), ("15s", .seconds(15), "15s"), ("30m", .seconds(1800), "30m"),
        ("2h", .seconds(7200), "2h"), ("1500ms", .milliseconds(1500), "1500ms"), ("0s", .zero, "0s"), ("90s", .seconds(90), "90s"),
    ])
    func durations(text: String, duration: Duration, formatted: String) {
        #expect(DurationText.parse(text) == duration)
        #expect(DurationText.format(duration) == formatted)
    }

    @Test("malformed durations are rejected", arguments: ["", "s", "15", "1.5s", "-3s", "3 s", "3w", "ms", "15S", "99999999999999999h"])
    func badDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("sizes parse", arguments: [("1024", Int64(1024)), ("512KiB", 512 << 10), ("64MiB", 64 << 20), ("2GiB", 2 << 30), ("10MB", 10_000_000), ("7B", 7)])
    func sizes(text: String, bytes: Int64) {
        #expect(ByteSize.parse(text) == bytes)
    }
}
