import Foundation

/// The plain-text table printed at the end of a run.
public enum SummaryTable {
    /// The table: one row per scenario with result, time and the first failure; then totals.
    public static func render(_ journal: RunJournal) -> String {
        let nameWidth = max(8, journal.scenarios.map(\.name.count).max() ?? 0)
        var text = "scenario".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  result   time     seed                  first failure\n"
        text += String(repeating: "-", count: nameWidth + 70) + "\n"
        for scenario in journal.scenarios {
            let result = scenario.outcome.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
            let time = String(format: "%6.1fs", scenario.durationSeconds)
            let seed = String(scenario.seed).padding(toLength: 20, withPad: " ", startingAt: 0)
            let failure = scenario.failure.map { $0.split(separator: "\n").first.map(String.init) ?? $0 } ?? ""
            text += scenario.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  \(result)  \(time)  \(seed)  \(failure)\n"
        }
        text += "\n\(journal.passedCount) passed, \(journal.failedCount) failed, \(journal.scenarios.count) total in \(String(format: "%.1f", journal.durationSeconds))s (seed \(journal.seed), jobs \(journal.jobs))\n"
        return text
    }
}
