import Bot
import ChaosKit
import Foundation
import Testing
import MetroSupport

@Suite struct IncidentReproductionTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func update(_ id: Int64, user: Int64, at seconds: Double, text: String? = nil, location: Bool = false) -> IncidentBundle.ArrivedUpdate {
        let content = location ? #""location":{"latitude":40.4169,"longitude":-3.7035}"# : #""text":"\#(text ?? "")""#
        let json = #"{"update_id":\#(id),"message":{"message_id":\#(id),"date":1800000000,"chat":{"id":\#(user),"type":"private"},"from":{"id":\#(user),"is_bot":false,"first_name":"U\#(user)"},\#(content)}}"#
        return .init(updateID: id, receivedAt: start.addingTimeInterval(seconds), source: "webhook", update: json)
    }

    static func event(_ kind: JournalEvent.Kind, at seconds: Double, _ fields: [String: String] = [:]) -> JournalEvent {
        JournalEvent(kind, at: start.addingTimeInterval(seconds), fields: fields)
    }

    static let bundle = IncidentBundle(
        format: IncidentBundle.formatName, formatVersion: 1, botVersion: "0.1.0", exportedAt: start.addingTimeInterval(600),
        since: start, until: start.addingTimeInterval(600), anonymized: true, locationsBlurred: false, configuration: [],
        updates: [
            update(1, user: 7, at: 10, text: "/checkin"), update(2, user: 7, at: 20, location: true),
            update(3, user: 8, at: 30, location: true),  // a stray location: no row
            update(4, user: 8, at: 200, text: "/checkout"), update(5, user: 8, at: 210, location: true),
        ],
        events: [
            event(.started, at: 0),
            event(.sheetsFailure, at: 21, ["operation": "append", "code": "503"]),
            event(.sheetsFailure, at: 25, ["operation": "append", "code": "503"]),
            event(.sheetsFailure, at: 40, ["operation": "read", "code": "timeout"]),
            event(.telegramFailure, at: 50, ["method": "sendMessage", "code": "429", "retry_after_s": "3"]),
            event(.started, at: 100),  // no stop before it: killed
            event(.stopped, at: 150, ["exit_code": "0"]),
            event(.started, at: 160),  // stopped first: a graceful restart
        ])

    @Test("updates are sent raw in order with their gaps compressed, failures become fault rules, restarts signals, invariants expectations")
    func mapping() throws {
        let scenario = IncidentReproduction.scenario(from: Self.bundle, name: "incident", speed: 10)
        #expect(scenario.users.map(\.id) == [7, 8])
        let actions = scenario.steps.map(\.action)
        let sends = actions.compactMap { action -> String? in
            if case .send(let step) = action, case .raw(let json) = step.payload { return json }
            return nil
        }
        #expect(sends.count == 5)
        #expect(sends.allSatisfy { !$0.contains("update_id") }, "the fake assigns new ids")
        let faults = actions.compactMap { action -> ScenarioFault? in
            if case .fault(let rule) = action { return rule }
            return nil
        }
        #expect(faults.map(\.match) == ["append", "get", "sendMessage"])
        #expect(faults[0].status == 503 && faults[0].times == 2, "two consecutive 503s: one rule firing twice")
        #expect(faults[1].action == .timeout)
        #expect(faults[2].status == 429 && faults[2].retryAfter == 3)
        let restarts = actions.compactMap { action -> BotSignal? in
            if case .restartBot(let signal, _, _) = action { return signal }
            return nil
        }
        #expect(restarts == [.kill, .term])
        let sleeps = actions.compactMap { action -> Duration? in
            if case .sleep(let duration) = action { return duration }
            return nil
        }
        #expect(sleeps.first == .seconds(1), "10 s between the first two items, 10× faster")
        #expect(scenario.expectations.contains { if case .sheetRows(let rows) = $0.kind { rows.count?.exactly == 2 } else { false } },
                "two locations answered a check-in or check-out")
        #expect(scenario.expectations.contains { if case .updates(true) = $0.kind { true } else { false } })
    }

    @Test("the written scenario is an ordinary one: the parser reads it back")
    func writtenScenarioParses() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reproduce-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundlePath = directory.appendingPathComponent("bundle.json").path
        try IncidentBundle.encoder.encode(Self.bundle).write(to: URL(fileURLWithPath: bundlePath))
        let reproduction = try IncidentReproduction.reproduce(bundleAt: bundlePath, name: "incident", speed: 10)
        let parsed = try ScenarioParser.parse(reproduction.yaml, file: "incident.yaml")
        #expect(parsed.steps.count == reproduction.scenario.steps.count)
        #expect(reproduction.summary.hasPrefix("\(reproduction.scenario.steps.count) steps from 5 updates and 8 events"))
    }

    @Test("a truncated, corrupt, foreign or newer bundle is refused naming what is wrong", arguments: [
        (#"{"format": "metropolitan-incident", "format_ver"#, "not valid JSON"),
        (#"{"format": "something-else", "format_version": 1}"#, "not an incident bundle"),
        (#"{"format": "metropolitan-incident", "format_version": 9}"#, "format version 9 is newer"),
        (#"{"format": "metropolitan-incident", "format_version": 1, "bot_version": "x", "exported_at": "2026-12-04T00:00:00Z", "since": "2026-12-04T00:00:00Z", "until": "2026-12-04T01:00:00Z", "anonymized": false, "locations_blurred": false, "configuration": [], "events": [], "updates": [{"update_id": 1, "received_at": 5, "source": "webhook", "update": "{}"}]}"#, "updates[0].received_at"),
    ])
    func badBundles(text: String, message: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UUID().uuidString).json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try IncidentReproduction.load(path)
        } throws: { error in
            (error as? IncidentReproduction.Problem)?.description.contains(message) == true
        }
    }
}
