import Bot
@testable import ChaosKit
import Foundation
import Synchronization
import Testing

/// What a run left behind that a reproduction must match.
struct RoundTripOutcome: Sendable, Equatable {
    /// Each row as (user, action, site): ids and times differ from run to run.
    var rows: [[String]] = []
    /// The Sheets appends and their statuses, in order.
    var appendStatuses: [Int] = []
}

/// Run a scenario, export its store as a bundle, reproduce the bundle, run that: the same rows and
/// the same failing appends.
@Suite(.timeLimit(.minutes(3)))
struct IncidentRoundTripTests {
    static let recorded = """
        name: recorded-incident
        description: two check-ins while Sheets answers 503, a SIGKILL and a restart
        timeout: 60s
        users: [{id: 3101, first_name: Ana, username: ana}, {id: 3102, first_name: Ben}]
        steps:
          - start_bot: {}
          - wait_until: {health: {mode: webhook}, timeout: 15s}
          - fault: {target: sheets, match: {operation: append}, respond: {status: 503}, times: 2}
          # The third append hangs until the SIGKILL.
          - fault: {target: sheets, match: {operation: append}, delay: 30s, times: 1}
          - send: {user: 3101, text: /checkin}
          - send: {user: 3101, location: [40.4169, -3.7035]}
          - send: {user: 3102, text: /checkout}
          - send: {user: 3102, location: [40.4169, -3.7035]}
          - wait_until: {calls: {target: sheets, method: append, count: 3}, timeout: 20s}
          # The journal writes off the update's path, and a SIGKILL loses what it has not written
          # (docs/Incidents.md): give it time to write the second failure, or the bundle has one.
          - sleep: 300ms
          - signal: KILL
          - wait_until: {bot: exited, timeout: 5s}
          - start_bot: {}
          - wait_until: {sheet_rows: {count: 2}, timeout: 40s}
        expect:
          - sheet_rows: {count: 2, no_duplicates: update_id}
        """

    /// Runs `scenario`, capturing the outcome (and, with `export`, a bundle of the bot's store)
    /// while the bot still runs.
    static func run(_ scenario: Scenario, exportTo bundlePath: String? = nil) async throws -> (ScenarioJournal, RoundTripOutcome) {
        let runner = ScenarioRunner(botExecutable: RunnerTests.botBinary, serviceAccountKeyPEM: TestKeys.fake)
        let captured = Mutex(RoundTripOutcome())
        let exportError = Mutex<(any Error)?>(nil)
        let journal = await runner.run(scenario, seed: 1) { execution in
            do {
                let rows = try await execution.sheets.rows(spreadsheetID: execution.endpoints.spreadsheetID, sheet: "Attendance")
                let appends = try await execution.sheets.calls(operation: "append")
                captured.withLock {
                    $0.rows = rows.map { [$0[1].isEmpty ? "" : "user", $0[4], $0[7]] }.sorted { $0.lexicographicallyPrecedes($1) }
                    $0.appendStatuses = appends.compactMap(\.status)
                }
                if let bundlePath {
                    let store = try BotDatabase(path: execution.workspace.databasePath.path)
                    defer { try? store.close() }
                    let bundle = try await IncidentBundle.export(from: store, since: Date().addingTimeInterval(-600))
                    try IncidentBundle.encoder.encode(bundle).write(to: URL(fileURLWithPath: bundlePath))
                }
            } catch {
                exportError.withLock { $0 = error }
            }
        }
        if let error = exportError.withLock({ $0 }) { throw error }
        return (journal, captured.withLock { $0 })
    }

    @Test("run, export, reproduce, run again: the same rows and the same 503s in the fake Sheets' journal",
          .enabled(if: FileManager.default.isExecutableFile(atPath: RunnerTests.botBinary.path)))
    func roundTrip() async throws {
        let bundlePath = FileManager.default.temporaryDirectory.appendingPathComponent("round-trip-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: bundlePath) }
        let (first, original) = try await Self.run(try ScenarioParser.parse(Self.recorded, file: "recorded.yaml"), exportTo: bundlePath)
        #expect(first.outcome == .passed, "\(first.failure ?? "")")
        #expect(original.rows.count == 2)
        #expect(original.appendStatuses.filter { $0 == 503 }.count == 2)

        let reproduction = try IncidentReproduction.reproduce(bundleAt: bundlePath, name: "reproduced", speed: 10)
        #expect(reproduction.scenario.steps.contains { if case .restartBot(.kill, _, _) = $0.action { true } else { false } },
                "the SIGKILL is in the bundle as a start without a stop")
        let (second, replayed) = try await Self.run(reproduction.scenario)
        #expect(second.outcome == .passed, "\(second.failure ?? "")\n\(reproduction.yaml)")
        #expect(replayed.rows == original.rows)
        #expect(replayed.appendStatuses.filter { $0 == 503 } == original.appendStatuses.filter { $0 == 503 })
    }
}
