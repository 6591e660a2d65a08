import Foundation

/// The `--report` file: a Markdown summary table, then a section per scenario that did not
/// pass with its failed steps, expectations and evidence.
public enum MarkdownReport {
    /// The Markdown text for `journal`.
    /// - Parameter title: The first heading. Defaults to "Chaos run".
    public static func render(_ journal: RunJournal, title: String = "Chaos run") -> String {
        var md = "# \(title)\n\n"
        md += "- started: \(ISO8601DateFormatter().string(from: journal.startedAt))\n"
        md += "- result: **\(journal.passedCount) of \(journal.scenarios.count) passed** in \(String(format: "%.1f", journal.durationSeconds)) s with \(journal.jobs) job(s)\n"
        md += "- seed: `\(journal.seed)` (reproduce with `chaos run --seed \(journal.seed)`)\n\n"
        md += "| scenario | result | time | steps | expectations |\n| --- | --- | ---: | ---: | ---: |\n"
        for scenario in journal.scenarios {
            let checks = scenario.steadyState + scenario.expectations
            md += "| \(cell(scenario.name)) | \(scenario.outcome == .passed ? "✅ passed" : "❌ \(scenario.outcome.rawValue)") | \(String(format: "%.1f s", scenario.durationSeconds)) | \(scenario.steps.filter(\.passed).count)/\(scenario.steps.count) | \(checks.filter(\.passed).count)/\(checks.count) |\n"
        }
        for scenario in journal.scenarios where scenario.outcome != .passed {
            md += "\n## \(scenario.name)\n\n\(scenario.description)\n\n"
            md += "- file: `\(scenario.file)`\n- seed: `\(scenario.seed)`\n"
            if let kept = scenario.keptDirectory { md += "- kept: `\(kept)`\n" }
            if let store = scenario.store { md += "- store: \(store)\n" }
            if let deliveries = scenario.frontDeliveries {
                md += "- deliveries through the front: " + deliveries.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
            }
            md += "\n**\(scenario.failure ?? "failed")**\n\n"
            for step in scenario.steps where !step.passed {
                md += "- step \(step.index) `\(step.keyword)` at `\(step.location)`: \(step.failure ?? "failed")\n"
            }
            let failed = (scenario.steadyState + scenario.expectations).filter { !$0.passed }
            if !failed.isEmpty {
                md += "\n| expectation | where | expected | actual |\n| --- | --- | --- | --- |\n"
                for expectation in failed {
                    md += "| \(expectation.keyword) | `\(expectation.location)` | \(cell(expectation.expected)) | \(cell(expectation.actual)) |\n"
                }
                for expectation in failed where !expectation.evidence.isEmpty {
                    md += "\nEvidence for `\(expectation.keyword)` at `\(expectation.location)`:\n\n```\n\(expectation.evidence.joined(separator: "\n"))\n```\n"
                }
            }
            let logTail = scenario.botLog.split(separator: "\n", omittingEmptySubsequences: false).suffix(20).joined(separator: "\n")
            if !logTail.isEmpty { md += "\nLast lines of the bot's log:\n\n```\n\(logTail)\n```\n" }
        }
        return md
    }

    /// Makes text safe inside a table cell.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
