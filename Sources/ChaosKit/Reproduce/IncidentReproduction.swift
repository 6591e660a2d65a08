import Bot
import Foundation
import MetroSupport

/// `chaos reproduce`: an incident bundle (`metro-bot incident export`, `GET /admin/incident`) as an
/// ordinary scenario, meant to be committed as a regression test.
///
/// The mapping:
/// - the users are the senders of the bundle's updates;
/// - each update is sent again, raw, in order, the gaps between arrivals divided by `speed`;
/// - consecutive failures of one call with one code (a Sheets 503 while it lasted, a Telegram 429
///   with its `retry_after`) become one fault rule, installed just before the update that came
///   before the first failure (the call's cause), firing as many times as they were recorded; a
///   timeout becomes a `timeout` action, a transport error a reset;
/// - a start after the first is a restart: SIGTERM if the bot recorded its stop, SIGKILL if not;
/// - the expectations are the invariants: every update confirmed, no row doubled, one row per
///   location that answered a check-in or check-out of its sender.
public enum IncidentReproduction {
    /// Why a bundle cannot be reproduced, naming the file and the field.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// A bundle read and turned into a scenario, with its YAML.
    public struct Reproduction: Sendable {
        public var scenario: Scenario
        public var yaml: String
        /// `N steps from M updates and K events`.
        public var summary: String
    }

    /// Reads the bundle at `path` and writes its scenario.
    /// - Throws: `Problem` (see `load`).
    public static func reproduce(bundleAt path: String, name: String, speed: Double) throws -> Reproduction {
        let bundle = try load(path)
        let scenario = scenario(from: bundle, name: name, speed: speed)
        let yaml = try ScenarioWriter.yaml(scenario, header: ["Written by chaos reproduce from \(path); commit it as a regression test."])
        return Reproduction(scenario: scenario, yaml: yaml,
                            summary: "\(scenario.steps.count) steps from \(bundle.updates.count) updates and \(bundle.events.count) events")
    }

    /// Reads and checks a bundle.
    /// - Throws: `Problem` for an unreadable or corrupt file (naming the bad field's path), another
    ///   kind of file, or a newer format version.
    public static func load(_ path: String) throws(Problem) -> IncidentBundle {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Problem(description: "\(path): cannot be read (\(error.localizedDescription))")
        }
        if let header = try? JSONDecoder().decode(Header.self, from: data) {
            guard header.format == IncidentBundle.formatName else {
                throw Problem(description: "\(path): not an incident bundle (format \"\(header.format)\"); make one with metro-bot incident export")
            }
            guard header.formatVersion <= IncidentBundle.currentFormatVersion else {
                throw Problem(description: "\(path): format version \(header.formatVersion) is newer than this chaos reads (\(IncidentBundle.currentFormatVersion)); update chaos")
            }
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(IncidentBundle.self, from: data)
        } catch let error as DecodingError {
            throw Problem(description: "\(path): \(Self.describe(error))")
        } catch {
            throw Problem(description: "\(path): \(error)")
        }
    }

    /// The scenario that replays `bundle`.
    /// - Parameters:
    ///   - name: the scenario's name.
    ///   - speed: how much faster than recorded the updates are sent (10 for `10x`).
    public static func scenario(from bundle: IncidentBundle, name: String, speed: Double) -> Scenario {
        var items: [(at: Date, action: StepAction)] = []
        var users: [Int64: ScenarioUser] = [:]
        var polling = !bundle.updates.isEmpty
        var rowsExpected = 0
        var lastCommand: [Int64: String] = [:]
        for update in bundle.updates {
            guard let object = try? JSONSerialization.jsonObject(with: Data(update.update.utf8)) as? [String: Any] else { continue }
            if update.source != "polling" { polling = false }
            var payload = object
            payload["update_id"] = nil
            let message = object["message"] as? [String: Any]
            if let from = (message?["from"] ?? (object["callback_query"] as? [String: Any])?["from"]) as? [String: Any],
               let id = (from["id"] as? NSNumber)?.int64Value {
                users[id] = ScenarioUser(id: id, firstName: from["first_name"] as? String, username: from["username"] as? String)
                if let text = message?["text"] as? String {
                    lastCommand[id] = text.lowercased()
                } else if message?["location"] != nil {
                    if let command = lastCommand[id], ["/checkin", "/checkout", "check in", "check out"].contains(command) { rowsExpected += 1 }
                    lastCommand[id] = nil
                }
            }
            guard let data = try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]) else { continue }
            items.append((update.receivedAt, .send(SendStep(user: nil, payload: .raw(json: String(decoding: data, as: UTF8.self))))))
        }
        // A failure was caused by an update that came before it: its fault rule goes in just
        // before that update is sent again, or it would be installed after the call it must fail.
        let arrivals = items.map(\.at)
        let faults = faultSteps(bundle.events).map { fault in
            (at: arrivals.last { $0 <= fault.at } ?? fault.at, rank: 0, action: fault.action)
        }
        var ordered = items.map { (at: $0.at, rank: 1, action: $0.action) } + faults
            + restartSteps(bundle.events).map { (at: $0.at, rank: 2, action: $0.action) }
        ordered.sort { ($0.at, $0.rank) < ($1.at, $1.rank) }
        items = ordered.map { (at: $0.at, action: $0.action) }

        let here = SourceLocation(file: "\(name).yaml", line: 1, column: 1)
        var steps = [ScenarioStep(action: .startBot(env: [:]), location: here)]
        steps.append(ScenarioStep(action: polling ? .waitUntil(.log(regex: "mode=polling"), timeout: .seconds(15))
                                                  : .waitUntil(.health([FieldCheck(path: "mode", matcher: .equals("webhook"))]), timeout: .seconds(15)),
                                  location: here))
        var previous = items.first?.at
        var replayed: Duration = .zero
        for item in items {
            if let before = previous {
                let gap = Duration.milliseconds(Int64((item.at.timeIntervalSince(before) / max(speed, 0.001) * 1_000).rounded()))
                if gap >= .milliseconds(10) {
                    steps.append(ScenarioStep(action: .sleep(gap), location: here))
                    replayed += gap
                }
            }
            previous = item.at
            steps.append(ScenarioStep(action: item.action, location: here))
        }
        if rowsExpected > 0 {
            steps.append(ScenarioStep(action: .waitUntil(.sheetRows(sheet: "Attendance", atLeast: rowsExpected), timeout: .seconds(60)),
                                      location: here))
        }
        let expectations = [
            Expectation(kind: .updates(allConfirmed: true), location: here),
            Expectation(kind: .sheetRows(SheetRowsExpectation(count: CountCheck(exactly: rowsExpected), noDuplicates: "update_id")),
                        location: here),
        ]
        return Scenario(
            name: name,
            description: "Reproduces the incident of \(ISO8601DateFormatter().string(from: bundle.since)) to \(ISO8601DateFormatter().string(from: bundle.until)) (\(bundle.updates.count) updates, \(bundle.events.count) events), \(speedText(speed)) faster",
            tags: ["incident"], timeout: .seconds(Int64(replayed.components.seconds) + 120),
            bot: BotSettings(mode: polling ? .polling : .webhook), users: users.values.sorted { $0.id < $1.id },
            steps: steps, expectations: expectations, location: here)
    }

    /// One fault rule per run of consecutive failures of one call with one code.
    static func faultSteps(_ events: [JournalEvent]) -> [(at: Date, action: StepAction)] {
        var runs: [(at: Date, target: FaultTarget, match: String, code: String, retryAfter: Int?, count: Int)] = []
        for event in events {
            let target: FaultTarget
            let match: String
            switch event.kind {
            case .telegramFailure:
                target = .telegram
                match = event.fields["method"] ?? "*"
            case .sheetsFailure:
                target = .sheets
                match = event.fields["operation"] == "read" ? "get" : event.fields["operation"] ?? "append"
            default:
                continue
            }
            let code = event.fields["code"] ?? "500"
            if let last = runs.last, last.target == target, last.match == match, last.code == code {
                runs[runs.count - 1].count += 1
            } else {
                runs.append((event.at, target, match, code, event.fields["retry_after_s"].flatMap { Int($0) }, 1))
            }
        }
        return runs.map { run in
            var rule = ScenarioFault(target: run.target, match: run.match, status: Int(run.code), retryAfter: run.retryAfter)
            if Int(run.code) == nil { rule.action = run.code == "timeout" ? .timeout : .reset }
            rule.times = run.count
            return (run.at, .fault(rule))
        }
    }

    /// A restart for every start after the first.
    static func restartSteps(_ events: [JournalEvent]) -> [(at: Date, action: StepAction)] {
        var steps: [(at: Date, action: StepAction)] = []
        var started = false
        var stoppedSinceStart = false
        for event in events {
            switch event.kind {
            case .started:
                if started {
                    steps.append((event.at, .restartBot(signal: stoppedSinceStart ? .term : .kill, timeout: .seconds(30), env: [:])))
                }
                started = true
                stoppedSinceStart = false
            case .stopped:
                stoppedSinceStart = true
            default:
                break
            }
        }
        return steps
    }

    static func speedText(_ speed: Double) -> String {
        speed == speed.rounded() ? "\(Int(speed))×" : "\(speed)×"
    }

    /// A decoding error as `updates[3].received_at: …`.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context): return "\(path(context.codingPath)) has the wrong type"
        case .valueNotFound(_, let context): return "\(path(context.codingPath)) is null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON (truncated or corrupt)" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private struct Header: Decodable {
        var format: String
        var formatVersion: Int
        enum CodingKeys: String, CodingKey { case format, formatVersion = "format_version" }
    }
}
