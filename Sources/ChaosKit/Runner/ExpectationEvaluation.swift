import Foundation
import MetroSupport

/// Evaluating expectations against the bot process, its log and the fakes' state, each with
/// the evidence that decided it.
extension ScenarioExecution {
    func evaluate(_ expectations: [Expectation], phase: String?) async -> [ExpectationJournal] {
        var results: [ExpectationJournal] = []
        for expectation in expectations {
            sampleRSS()
            var result: ExpectationJournal
            do {
                result = try await check(expectation.kind, instance: expectation.instance)
            } catch {
                result = ExpectationJournal(keyword: "", location: "", expected: describe(expectation.kind), actual: "could not be checked: \(error)", passed: false)
            }
            let instance = expectation.instance == BotInstanceName.default ? "" : " of instance \(expectation.instance)"
            result.keyword = expectation.kind.keyword + instance + (phase.map { " (\($0))" } ?? "")
            result.location = expectation.location.description
            results.append(result)
        }
        return results
    }

    func describe(_ kind: ExpectationKind) -> String {
        switch kind {
        case .bot(let bot):
            var parts: [String] = []
            if let code = bot.exitCode { parts.append("exit code \(code)") }
            if let within = bot.stoppedWithin { parts.append("stopped within \(DurationText.format(within)) of the last signal") }
            if let running = bot.running { parts.append(running ? "still running" : "exited") }
            return parts.joined(separator: ", ")
        case .health(let checks): return checks.map { "\($0.path) \($0.matcher)" }.joined(separator: ", ")
        case .calls(let calls):
            var parts = ["\(calls.target.rawValue) \(calls.method) calls"]
            if let count = calls.count { parts.append("count \(count)") }
            if let gaps = calls.gaps {
                if let atLeast = gaps.atLeast { parts.append("gaps >= \(DurationText.format(atLeast))") }
                if let atMost = gaps.atMost { parts.append("gaps <= \(DurationText.format(atMost))") }
                if gaps.increasing { parts.append("each gap longer than the one before") }
            }
            return parts.joined(separator: ", ")
        case .sheetRows(let rows):
            var parts = ["rows of \(rows.sheet)"]
            if let count = rows.count { parts.append("count \(count)") }
            if !rows.values.isEmpty { parts.append("containing in order \(rows.values.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") })") }
            if let column = rows.noDuplicates { parts.append("no two rows with the same \(column)") }
            return parts.joined(separator: ", ")
        case .sent(let sent):
            var parts = ["messages to chat \(sent.chat)"]
            if let text = sent.contains { parts.append("one containing \"\(text)\"") }
            if let regex = sent.regex { parts.append("one matching /\(regex)/") }
            if let count = sent.count { parts.append("count \(count)") }
            return parts.joined(separator: ", ")
        case .log(let log):
            var parts: [String] = []
            if let pattern = log.matches { parts.append("a line matching /\(pattern)/") }
            if let pattern = log.neverMatches { parts.append("no line matching /\(pattern)/") }
            if log.noSecrets { parts.append("no line containing the bot token, webhook secret, admin token or private key") }
            return parts.joined(separator: ", ")
        case .peakRSS(let limit): return "peak RSS <= \(ByteSize.format(limit))"
        case .updates: return "every injected update confirmed, none producing two rows"
        case .update(let id, let state): return "update \(id) \(state)"
        case .deliveries(let count): return "deliveries through the front, count \(count)"
        }
    }

    /// Checks `kind`; the checks on a bot read `instance`.
    func check(_ kind: ExpectationKind, instance: String = BotInstanceName.default) async throws -> ExpectationJournal {
        let expected = describe(kind)
        let bot = instances[instance]?.process
        let label = BotInstance.label(instance)
        func result(_ passed: Bool, _ actual: String, _ evidence: [String] = []) -> ExpectationJournal {
            ExpectationJournal(keyword: kind.keyword, location: "", expected: expected, actual: actual, passed: passed, evidence: evidence)
        }
        switch kind {
        case .bot(let expectation):
            guard let bot else { return result(false, "\(label) was never started") }
            var problems: [String] = []
            var seen: [String] = []
            if let running = expectation.running {
                seen.append(bot.isRunning ? "running (pid \(bot.pid))" : "exited with \(bot.exit!.code)")
                if running != bot.isRunning { problems.append(running ? "it exited" : "it is still running") }
            }
            if expectation.exitCode != nil || expectation.stoppedWithin != nil {
                guard let exit = bot.exit else { return result(false, "still running (pid \(bot.pid))", logTail(5, instance: instance)) }
                seen.append("exit code \(exit.code)\(exit.signal.map { " (killed by signal \($0))" } ?? "")")
                if let code = expectation.exitCode, code != exit.code { problems.append("exit code \(exit.code)") }
                if let within = expectation.stoppedWithin {
                    guard let signalled = bot.signalsSent.first?.1 else { return result(false, seen.joined(separator: ", ") + "; no signal was sent to it", logTail(5, instance: instance)) }
                    let took = exit.at - signalled
                    seen.append("stopped \(String(format: "%.2f", took.seconds))s after SIG\(bot.signalsSent.first!.0.rawValue)")
                    if took > within { problems.append("took too long") }
                }
            }
            return result(problems.isEmpty, seen.joined(separator: ", "), problems.isEmpty ? [] : logTail(8, instance: instance))
        case .health(let checks):
            guard let bot, bot.isRunning else { return result(false, "\(label) is not running; /health cannot answer") }
            let answer = try await client(instance).send("GET", "/health")
            let json = answer.json
            let failed = checks.filter { !$0.matcher.matches(JSONFields.value(json, path: $0.path)) }
            let seen = checks.map { "\($0.path)=\(JSONFields.value(json, path: $0.path) ?? "absent")" }.joined(separator: ", ")
            return result(failed.isEmpty, "HTTP \(answer.status): \(seen)", failed.isEmpty ? [] : ["/health: \(answer.text.prefix(600))"])
        case .calls(let expectation):
            let calls = try await journal(target: expectation.target, method: expectation.method)
            // Parameters are redacted before the line is cut, so no part of a secret (setWebhook's secret_token) shows.
            let evidence = calls.suffix(12).map { call in
                var call = call
                call.params = redact(call.params)
                return call.evidenceLine
            }
            var problems: [String] = []
            if let count = expectation.count, !count.matches(calls.count) { problems.append("count") }
            let gaps = zip(calls.dropFirst(), calls).map { $0.at.timeIntervalSince($1.at) }
            let gapsText = gaps.map { String(format: "%.2fs", $0) }.joined(separator: ", ")
            if let check = expectation.gaps {
                if gaps.isEmpty { problems.append("no gaps (fewer than two calls)") }
                if let atLeast = check.atLeast, gaps.contains(where: { $0 < atLeast.seconds }) { problems.append("a gap shorter than \(DurationText.format(atLeast))") }
                if let atMost = check.atMost, gaps.contains(where: { $0 > atMost.seconds }) { problems.append("a gap longer than \(DurationText.format(atMost))") }
                if check.increasing, zip(gaps.dropFirst(), gaps).contains(where: { $0 <= $1 }) { problems.append("gaps not increasing") }
            }
            let actual = "\(calls.count) call(s)" + (gaps.isEmpty ? "" : "; gaps \(gapsText)") + (problems.isEmpty ? "" : " (\(problems.joined(separator: "; ")))")
            return result(problems.isEmpty, actual, problems.isEmpty ? [] : evidence)
        case .sheetRows(let expectation):
            let rows = try await dataRows(sheet: expectation.sheet)
            let columns = SheetRowsExpectation.columns
            func cell(_ row: [String], _ column: String) -> String? {
                columns.firstIndex(of: column).flatMap { $0 < row.count ? row[$0] : nil }
            }
            var problems: [String] = []
            if let count = expectation.count, !count.matches(rows.count) { problems.append("\(rows.count) row(s)") }
            var position = 0
            for wanted in expectation.values {
                guard let found = rows[position...].firstIndex(where: { row in wanted.allSatisfy { cell(row, $0.key) == $0.value } }) else {
                    problems.append("no row with \(wanted.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) after row \(position)")
                    break
                }
                position = found + 1
            }
            if let column = expectation.noDuplicates {
                let values = rows.compactMap { cell($0, column) }
                let duplicates = Dictionary(grouping: values, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
                if !duplicates.isEmpty { problems.append("duplicate \(column): \(duplicates.prefix(5).joined(separator: ", "))") }
            }
            let evidence = rows.suffix(10).map { $0.joined(separator: " | ") }
            return result(problems.isEmpty, problems.isEmpty ? "\(rows.count) row(s)" : problems.joined(separator: "; "), problems.isEmpty ? [] : evidence)
        case .sent(let expectation):
            let texts = try await telegram.texts(chat: expectation.chat)
            var problems: [String] = []
            if let text = expectation.contains, !texts.contains(where: { $0.contains(text) }) { problems.append("none contains \"\(text)\"") }
            if let pattern = expectation.regex {
                let regex = try NSRegularExpression(pattern: pattern)
                if !texts.contains(where: { regex.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }) { problems.append("none matches /\(pattern)/") }
            }
            if let count = expectation.count, !count.matches(texts.count) { problems.append("count \(texts.count)") }
            let evidence = texts.suffix(8).map { "→ \($0.prefix(200))" }
            return result(problems.isEmpty, "\(texts.count) message(s)" + (problems.isEmpty ? "" : ": " + problems.joined(separator: "; ")), problems.isEmpty ? [] : evidence)
        case .log(let expectation):
            let lines = files(instance).logLines()
            var problems: [String] = []
            var evidence: [String] = []
            if let pattern = expectation.matches {
                let regex = try NSRegularExpression(pattern: pattern)
                if !lines.contains(where: { regex.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }) {
                    problems.append("no line matches /\(pattern)/")
                    evidence += logTail(8, instance: instance)
                }
            }
            if let pattern = expectation.neverMatches {
                let regex = try NSRegularExpression(pattern: pattern)
                let offending = lines.filter { regex.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }
                if !offending.isEmpty {
                    problems.append("\(offending.count) line(s) match /\(pattern)/")
                    evidence += offending.prefix(8).map(redact)
                }
            }
            if expectation.noSecrets {
                let secrets = self.secrets.all.filter { $0.count >= 8 }
                let leaking = lines.filter { line in secrets.contains { line.contains($0) } }
                if !leaking.isEmpty {
                    problems.append("\(leaking.count) line(s) contain a secret")
                    evidence += leaking.prefix(8).map(redact)
                }
            }
            return result(problems.isEmpty, problems.isEmpty ? "\(lines.count) line(s) checked" : problems.joined(separator: "; "), evidence)
        case .peakRSS(let limit):
            let runs = instances.count > 1 ? instances[instance]?.runs ?? [] : botRuns
            let peak = runs.map(\.peakRSS).max() ?? 0
            if peak == 0 { return result(false, "no RSS sample (the bot never ran long enough to be sampled)") }
            return result(peak <= limit, "peak RSS \(ByteSize.format(peak))")
        case .updates:
            var unconfirmed: [String] = []
            for id in injectedUpdates {
                let state = try await telegram.updateState(id)
                if state.state != "confirmed" { unconfirmed.append("update \(id): \(state.state) after \(state.attempts) attempt(s)") }
            }
            let rows = try await dataRows(sheet: "Attendance")
            let ids = rows.compactMap { $0.count > 9 ? $0[9] : nil }
            let doubled = Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            var problems: [String] = []
            if !unconfirmed.isEmpty { problems.append("\(unconfirmed.count) of \(injectedUpdates.count) not confirmed") }
            if !doubled.isEmpty { problems.append("update(s) \(doubled.prefix(5).joined(separator: ", ")) produced more than one row") }
            return result(problems.isEmpty, problems.isEmpty ? "\(injectedUpdates.count) update(s) confirmed, \(rows.count) row(s), no update twice" : problems.joined(separator: "; "),
                          Array(unconfirmed.prefix(10)))
        case .update(let reference, let state):
            let id = try resolve(reference)
            let current = try await telegram.updateState(id)
            return result(current.state == state, "update \(id) is \(current.state) after \(current.attempts) attempt(s)")
        case .deliveries(let count):
            guard let front else { return result(false, "no front: the scenario starts one instance, which Telegram reaches directly") }
            let counts = await front.settledDeliveryCounts()
            let forwarded = counts[instance] ?? 0
            let all = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return result(count.matches(forwarded), "\(forwarded) to \(instance) (all: \(all.isEmpty ? "none" : all))")
        }
    }
}
