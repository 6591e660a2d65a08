import ChaosKit
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct ReportTests {
    /// A journal with one passing and one failing scenario, whose log holds every character
    /// XML cares about, including a control character from a coloured log.
    static func journal() -> RunJournal {
        let passed = ScenarioJournal(
            name: "webhook-setup-retries", description: "setWebhook fails twice", file: "Scenarios/webhook.yaml", tags: ["webhook"],
            seed: 42, outcome: .passed, durationSeconds: 3.25,
            steps: [StepJournal(index: 1, keyword: "start_bot", location: "Scenarios/webhook.yaml:9:5", detail: "started pid 10", startSeconds: 0.01, durationSeconds: 0.02, passed: true)],
            faults: [FaultJournal(target: "telegram", rule: #"{"match":{"method":"setWebhook"},"respond":{"status":502},"times":2}"#, step: 1, id: "1", fired: 2)],
            expectations: [ExpectationJournal(keyword: "calls", location: "Scenarios/webhook.yaml:20:5", expected: "count == 3", actual: "3 call(s)", passed: true)],
            botRuns: [BotRunJournal(pid: 10, startedSeconds: 0.01, exitCode: 0, exitedSeconds: 3.1, signals: ["TERM"])],
            botLog: "level=info msg=\"started\" mode=webhook\n")
        let failed = ScenarioJournal(
            name: "sigterm-mid-request", description: "SIGTERM <mid> & \"request\"", file: "Scenarios/shutdown.yaml", tags: ["shutdown"],
            seed: 7, outcome: .failed, failure: "1 check(s) failed; first: sheet_rows expected count == 1, saw 0 row(s) <&>",
            durationSeconds: 6.5,
            expectations: [ExpectationJournal(keyword: "sheet_rows", location: "Scenarios/shutdown.yaml:30:5", expected: "count == 1", actual: "0 row(s)", passed: false,
                                              evidence: ["2026-11-29T04:00:00.000Z append → 503 {\"range\":\"Attendance!A1\"}"])],
            botLog: "\u{1B}[31merror\u{1B}[0m <tag> & 'quote' \"double\" ]]> done\u{0}\n")
        return RunJournal(startedAt: Date(timeIntervalSince1970: 1_795_000_000), durationSeconds: 9.75, seed: 99, jobs: 2, scenarios: [passed, failed])
    }

    #if canImport(FoundationXML)
    @Test("JUnit XML parses as XML, with one testcase per scenario, failures and the bot's log as system-out")
    func junitStructure() throws {
        let journal = Self.journal()
        let document = try XMLDocument(xmlString: JUnitReport.render(journal))
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        let suites = root.elements(forName: "testsuite")
        #expect(suites.count == 1)
        let suite = try #require(suites.first)
        #expect(suite.attribute(forName: "tests")?.stringValue == "2")
        #expect(suite.attribute(forName: "failures")?.stringValue == "1")
        let cases = suite.elements(forName: "testcase")
        #expect(cases.map { $0.attribute(forName: "name")?.stringValue } == ["webhook-setup-retries", "sigterm-mid-request"])
        #expect(cases[0].elements(forName: "failure").isEmpty)
        let failure = try #require(cases[1].elements(forName: "failure").first)
        #expect(failure.attribute(forName: "message")?.stringValue == journal.scenarios[1].failure)
        #expect(failure.stringValue?.contains("seed: 7") == true)
        #expect(failure.stringValue?.contains("append → 503") == true)
        let systemOut = try #require(cases[1].elements(forName: "system-out").first?.stringValue)
        #expect(systemOut.contains("<tag> & 'quote' \"double\" ]]> done"))
        #expect(!systemOut.contains("\u{1B}"))
    }
    #endif

    @Test("XML escaping covers markup characters and replaces characters XML 1.0 forbids", arguments: [
        ("a<b", "a&lt;b"), ("a&b", "a&amp;b"), ("\"x\"", "&quot;x&quot;"), ("it's", "it&apos;s"), ("]]>", "]]&gt;"),
        ("\u{1B}[0m", "\u{FFFD}[0m"), ("tab\tline\n", "tab\tline\n"), ("nul\u{0}", "nul\u{FFFD}"), ("emoji 🚀", "emoji 🚀"),
    ])
    func xmlEscaping(raw: String, escaped: String) {
        #expect(JUnitReport.escape(raw) == escaped)
    }

    @Test("the JSON journal round-trips and uses snake_case keys")
    func jsonRoundTrip() throws {
        let journal = Self.journal()
        let data = try JSONReport.encode(journal)
        #expect(try JSONReport.decode(data) == journal)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let scenarios = try #require(object["scenarios"] as? [[String: Any]])
        #expect(scenarios[0]["duration_seconds"] as? Double == 3.25)
        let faults = try #require(scenarios[0]["faults"] as? [[String: Any]])
        #expect(faults[0]["fired"] as? Int == 2)
        let expectations = try #require(scenarios[1]["expectations"] as? [[String: Any]])
        #expect(expectations[0]["expected"] as? String == "count == 1")
        #expect(expectations[0]["actual"] as? String == "0 row(s)")
    }

    @Test("the Markdown report has the summary table and a section with evidence for each failure")
    func markdown() {
        let text = MarkdownReport.render(Self.journal())
        #expect(text.contains("**1 of 2 passed**"))
        #expect(text.contains("| webhook-setup-retries | ✅ passed | 3.2 s | 1/1 | 1/1 |") || text.contains("| webhook-setup-retries | ✅ passed | 3.3 s | 1/1 | 1/1 |"))
        #expect(text.contains("| sigterm-mid-request | ❌ failed |"))
        #expect(text.contains("## sigterm-mid-request"))
        #expect(!text.contains("## webhook-setup-retries"))
        #expect(text.contains("append → 503"))
        #expect(text.contains("| sheet_rows | `Scenarios/shutdown.yaml:30:5` | count == 1 | 0 row(s) |"))
    }

    @Test("the summary table lists every scenario and the totals")
    func summary() {
        let text = SummaryTable.render(Self.journal())
        #expect(text.contains("webhook-setup-retries"))
        #expect(text.contains("1 passed, 1 failed, 2 total"))
        #expect(text.contains("1 check(s) failed"))
    }

    @Test("progress lines are plain without a terminal and coloured only when asked", arguments: [false, true])
    func progressLines(color: Bool) async {
        let lines = LinesBox()
        let progress = TerminalProgress(style: .init(interactive: false, color: color)) { lines.append($0) }
        let journal = Self.journal()
        await progress.started(journal.scenarios[1].name)
        await progress.tick()
        await progress.finished(journal.scenarios[1])
        let written = lines.all
        #expect(written.count == 1, "a non-interactive run prints only result lines: \(written)")
        #expect(written[0].contains("sigterm-mid-request (6.5s): 1 check(s) failed"))
        #expect(written[0].contains("[seed 7]"))
        #expect(written[0].contains("\u{1B}[") == color)
    }

    @Test("NO_COLOR turns colour off", arguments: [(["NO_COLOR": "1"], false), ([:], true), (["NO_COLOR": ""], true)])
    func noColor(environment: [String: String], colorOnTTY: Bool) {
        let style = TerminalProgress.Style.detect(environment: environment)
        // stdout is not a terminal under `swift test`, so colour is off regardless; when it
        // is a terminal, NO_COLOR decides.
        #expect(style.color == (style.interactive && colorOnTTY))
    }
}

final class LinesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
