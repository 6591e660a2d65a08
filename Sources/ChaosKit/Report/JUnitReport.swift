import Foundation

/// The `--junit` report: one `<testsuite>` named `chaos`, one `<testcase>` per scenario with a
/// `<failure>` when it did not pass and the bot's log as `<system-out>`.
public enum JUnitReport {
    /// The XML document for `journal`.
    public static func render(_ journal: RunJournal) -> String {
        let failures = journal.scenarios.filter { $0.outcome == .failed }.count
        let errors = journal.scenarios.filter { $0.outcome == .error }.count
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<testsuites name="chaos" tests="\#(journal.scenarios.count)" failures="\#(failures)" errors="\#(errors)" time="\#(seconds(journal.durationSeconds))">"# + "\n"
        xml += #"  <testsuite name="chaos" tests="\#(journal.scenarios.count)" failures="\#(failures)" errors="\#(errors)" skipped="0" time="\#(seconds(journal.durationSeconds))" timestamp="\#(escape(ISO8601DateFormatter().string(from: journal.startedAt)))">"# + "\n"
        xml += "    <properties><property name=\"seed\" value=\"\(journal.seed)\"/><property name=\"jobs\" value=\"\(journal.jobs)\"/></properties>\n"
        for scenario in journal.scenarios {
            xml += #"    <testcase name="\#(escape(scenario.name))" classname="chaos.\#(escape(scenario.file))" file="\#(escape(scenario.file))" time="\#(seconds(scenario.durationSeconds))">"# + "\n"
            switch scenario.outcome {
            case .passed: break
            case .failed, .error:
                let element = scenario.outcome == .failed ? "failure" : "error"
                let message = scenario.failure ?? "failed"
                let firstLine = message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? message
                xml += #"      <\#(element) message="\#(escape(firstLine))" type="\#(element == "failure" ? "ExpectationFailed" : "RunnerError")">"#
                xml += escape(failureText(scenario)) + "</\(element)>\n"
            }
            xml += "      <system-out>" + escape(scenario.botLog) + "</system-out>\n"
            xml += "    </testcase>\n"
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    /// The failure body: the reason, the seed, then each failed step or expectation with evidence.
    static func failureText(_ scenario: ScenarioJournal) -> String {
        var lines = [scenario.failure ?? "failed", "seed: \(scenario.seed)"]
        for step in scenario.steps where !step.passed {
            lines.append("step \(step.index) \(step.keyword) at \(step.location): \(step.failure ?? "failed")")
        }
        for expectation in scenario.steadyState + scenario.expectations where !expectation.passed {
            lines.append("\(expectation.keyword) at \(expectation.location): expected \(expectation.expected); saw \(expectation.actual)")
            lines += expectation.evidence.map { "    \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    /// Escapes text for XML content and attributes, and replaces characters XML 1.0 forbids
    /// (control characters such as ESC from coloured logs) with U+FFFD.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                let allowed = (0x20...0xD7FF).contains(value) || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value)
                result.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return result
    }
}
