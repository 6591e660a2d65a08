import Foundation
import MetroSupport

/// The invariant checks: each a pure function of ``ExploreEvidence`` returning the violations it
/// found (none when the invariant holds).
public enum InvariantChecks {
    /// `MEMORY_WARN_PERCENT`'s default: memory must end below it.
    public static let memoryWarnPercent = 80
    /// How much later than `SHUTDOWN_GRACE` an exit may come: the process's own teardown after
    /// the drain (closing the store, exiting) and the runner's 20 ms polling.
    public static let exitTolerance: Duration = .seconds(1)

    /// Every check, in the order of ``Invariant/allCases``.
    public static func all(_ evidence: ExploreEvidence) -> [Violation] {
        lostRows(evidence) + extraRows(evidence) + rowOrder(evidence) + unconfirmedRows(evidence) + updatesLeft(evidence)
            + sigtermExits(evidence) + health(evidence) + secretsInLog(evidence) + memory(evidence)
    }

    static func rows(of id: Int64, _ evidence: ExploreEvidence) -> [[String]] {
        evidence.rows.filter { ExploreEvidence.cell($0, "update_id") == String(id) }
    }

    static func expected(_ evidence: ExploreEvidence) -> [ExpectedRow] {
        ExpectedRows.rows(evidence.schedule, sent: evidence.updateIDs.count, busyUsers: evidence.busyUsers)
    }

    /// ``Invariant/lostRow``: each required row's location, once acknowledged (confirmed to
    /// Telegram or dead-lettered), has a row.
    public static func lostRows(_ evidence: ExploreEvidence) -> [Violation] {
        let lost = expected(evidence).filter { row in
            guard !row.optional, let id = evidence.updateID(at: row.update) else { return false }
            let acknowledged = evidence.updateStates[id] == "confirmed" || evidence.deadLetters[id] != nil
            return acknowledged && rows(of: id, evidence).isEmpty
        }
        guard !lost.isEmpty else { return [] }
        let ids = lost.compactMap { evidence.updateID(at: $0.update) }
        let who = lost.map { "\($0.action) of user \($0.user)" }.joined(separator: ", ")
        return [Violation(invariant: .lostRow, message: "\(lost.count) acknowledged location(s) that completed a flow have no row (\(who)); the sheet has \(evidence.rows.count) row(s)",
                          updateIDs: ids, evidence: evidence.excerpts(ids, chats: Array(Set(lost.map(\.user))).sorted()) + evidence.rows.suffix(5).map { "row: " + $0.joined(separator: " | ") })]
    }

    /// ``Invariant/extraRow``: no update id has two rows; every row belongs to a flow the
    /// schedule completed, with its user and action.
    public static func extraRows(_ evidence: ExploreEvidence) -> [Violation] {
        let expectedByID = Dictionary(expected(evidence).compactMap { row in evidence.updateID(at: row.update).map { ($0, row) } }, uniquingKeysWith: { first, _ in first })
        var doubled: [Int64] = []
        var invented: [Int64] = []
        var seen: [String: Int] = [:]
        for row in evidence.rows {
            let idText = ExploreEvidence.cell(row, "update_id") ?? ""
            seen[idText, default: 0] += 1
            guard let id = Int64(idText) else { invented.append(-1); continue }
            if seen[idText] == 2 { doubled.append(id) }
            if seen[idText] == 1 {
                guard let flow = expectedByID[id], ExploreEvidence.cell(row, "user_id") == String(flow.user),
                      flow.optional || ExploreEvidence.cell(row, "action") == flow.action
                else { invented.append(id); continue }
            }
        }
        var violations: [Violation] = []
        if !doubled.isEmpty {
            violations.append(Violation(invariant: .extraRow, message: "\(doubled.count) update(s) produced more than one row", updateIDs: doubled,
                                        evidence: evidence.excerpts(doubled) + doubled.flatMap { rows(of: $0, evidence) }.map { "row: " + $0.joined(separator: " | ") }))
        }
        if !invented.isEmpty {
            let lines = evidence.rows.filter { row in invented.contains { String($0) == ExploreEvidence.cell(row, "update_id") } || Int64(ExploreEvidence.cell(row, "update_id") ?? "") == nil }
            violations.append(Violation(invariant: .extraRow, message: "\(invented.count) row(s) belong to no completed flow (or carry another user or action than it)",
                                        updateIDs: invented.filter { $0 >= 0 }, evidence: evidence.excerpts(invented) + lines.prefix(6).map { "row: " + $0.joined(separator: " | ") }))
        }
        return violations
    }

    /// ``Invariant/rowOrder``: within each user's rows, update ids increase down the sheet.
    public static func rowOrder(_ evidence: ExploreEvidence) -> [Violation] {
        var violations: [Violation] = []
        let users = Set(evidence.rows.compactMap { ExploreEvidence.cell($0, "user_id") })
        for user in users.sorted() {
            let ids = evidence.rows.filter { ExploreEvidence.cell($0, "user_id") == user }.compactMap { ExploreEvidence.cell($0, "update_id").flatMap { Int64($0) } }
            let swapped = zip(ids, ids.dropFirst()).filter { $0 > $1 }
            guard let first = swapped.first else { continue }
            violations.append(Violation(invariant: .rowOrder, message: "user \(user)'s rows are out of order: update \(first.0) comes before update \(first.1) (sheet order \(ids.map(String.init).joined(separator: ", ")))",
                                        updateIDs: [first.0, first.1], evidence: evidence.excerpts([first.0, first.1])))
        }
        return violations
    }

    /// ``Invariant/unconfirmedRow``: each user got at least as many "Checked in" ("Checked
    /// out") messages as they have `check_in` (`check_out`) rows.
    public static func unconfirmedRows(_ evidence: ExploreEvidence) -> [Violation] {
        var violations: [Violation] = []
        for user in evidence.schedule.users {
            let own = evidence.rows.filter { ExploreEvidence.cell($0, "user_id") == String(user.id) }
            let texts = evidence.chats[user.id] ?? []
            for (action, phrase) in [("check_in", "Checked in"), ("check_out", "Checked out")] {
                let actionRows = own.filter { ExploreEvidence.cell($0, "action") == action }
                let confirmations = texts.filter { $0.hasPrefix(phrase) }.count
                guard actionRows.count > confirmations else { continue }
                let ids = actionRows.suffix(actionRows.count - confirmations).compactMap { ExploreEvidence.cell($0, "update_id").flatMap { Int64($0) } }
                violations.append(Violation(invariant: .unconfirmedRow, message: "user \(user.id) has \(actionRows.count) \(action) row(s) but \(confirmations) \"\(phrase)\" message(s)",
                                            updateIDs: ids, evidence: evidence.excerpts(ids) + texts.suffix(6).map { "chat \(user.id): → \($0.prefix(160))" }))
            }
        }
        return violations
    }

    /// ``Invariant/updateLeft``: every update the schedule sent is confirmed by the bot (it
    /// processed it, or rejected it with a 200), listed as a dead letter, or `dropped` by Telegram
    /// itself (a kind the bot's `allowed_updates` does not ask for is never delivered).
    public static func updatesLeft(_ evidence: ExploreEvidence) -> [Violation] {
        let settled: Set<String> = ["confirmed", "dropped"]
        let left = evidence.updateIDs.filter { !settled.contains(evidence.updateStates[$0] ?? "unknown") && evidence.deadLetters[$0] == nil }
        // An update posted straight to the webhook is rejected with a 4xx or taken with a 200; a
        // 5xx asks Telegram to send it again, for ever.
        let refused = evidence.webhookPosts.enumerated().filter { $0.element >= 500 }
        var violations = refused.map { number, status in
            Violation(invariant: .updateLeft, message: "the bot answered \(status) to unknown-kind update \(number + 1) posted to its webhook",
                      updateIDs: [Int64(number + 1)], evidence: evidence.problemLines(6))
        }
        guard !left.isEmpty else { return violations }
        let states = left.prefix(8).map { "update \($0): \(evidence.updateStates[$0] ?? "unknown")" }
        violations.append(Violation(invariant: .updateLeft, message: "\(left.count) of \(evidence.updateIDs.count) update(s) neither confirmed nor dead-lettered (\(states.joined(separator: ", ")))",
                                    updateIDs: left, evidence: evidence.excerpts(left) + evidence.problemLines(6)))
        return violations
    }

    /// ``Invariant/sigtermExit``: a run stopped by one SIGTERM or SIGINT exited 0 within
    /// `SHUTDOWN_GRACE` (plus ``exitTolerance``). Runs that got a second signal or SIGKILL are
    /// forced exits and not judged.
    public static func sigtermExits(_ evidence: ExploreEvidence) -> [Violation] {
        var violations: [Violation] = []
        for (number, run) in evidence.botRuns.enumerated() {
            guard run.signals.count == 1, let signal = run.signals.first, signal.name == "TERM" || signal.name == "INT" else { continue }
            let limit = (evidence.shutdownGrace + exitTolerance).seconds
            guard let code = run.exitCode, let exitedAt = run.exitedAt else {
                violations.append(Violation(invariant: .sigtermExit, message: "run \(number + 1) got SIG\(signal.name) and had not exited when the schedule settled",
                                            evidence: evidence.logLines.suffix(8).map { "bot log: " + evidence.redact($0) }))
                continue
            }
            let took = exitedAt - signal.at
            if code != 0 || took > limit {
                violations.append(Violation(invariant: .sigtermExit, message: "run \(number + 1) got SIG\(signal.name) and exited with \(code) after \(String(format: "%.2f", took))s (grace \(DurationText.format(evidence.shutdownGrace)))",
                                            evidence: evidence.logLines.suffix(8).map { "bot log: " + evidence.redact($0) }))
            }
        }
        return violations
    }

    /// ``Invariant/health``: `/health` answers `ok`; `degraded` is accepted only while every
    /// dead letter is one the schedule planted and the outbox is empty.
    public static func health(_ evidence: ExploreEvidence) -> [Violation] {
        // A run that ended without a signal crashed; the settling restarted it, so say so here.
        let crashes = evidence.botRuns.enumerated().filter { $0.element.signals.isEmpty && $0.element.exitCode != nil }
        let crashed = crashes.map { number, run in
            Violation(invariant: .health, message: "run \(number + 1) exited on its own with code \(run.exitCode ?? 0)",
                      evidence: evidence.logLines.suffix(8).map { "bot log: " + evidence.redact($0) })
        }
        return crashed + endHealth(evidence)
    }

    static func endHealth(_ evidence: ExploreEvidence) -> [Violation] {
        guard let json = evidence.healthJSON else {
            return [Violation(invariant: .health, message: "/health did not answer at the end", evidence: evidence.logLines.suffix(8).map { "bot log: " + evidence.redact($0) })]
        }
        let status = evidence.healthField("status") ?? "absent"
        if status == "ok" { return [] }
        let planted = evidence.plantedPoison
        let deadLetters = Set(evidence.deadLetters.keys)
        let count = Int(evidence.healthField("dead_letters.count") ?? "") ?? deadLetters.count
        if status == "degraded", count > 0, !deadLetters.isEmpty, deadLetters.isSubset(of: planted), evidence.healthField("outbox.queued") == "0" {
            return []
        }
        let unplanted = deadLetters.subtracting(planted).sorted()
        return [Violation(invariant: .health, message: "/health is \(status) at the end" + (unplanted.isEmpty ? "" : "; dead letters the schedule did not plant: \(unplanted.map(String.init).joined(separator: ", "))"),
                          updateIDs: unplanted, evidence: [healthSummary(evidence), "/health: " + String(json.prefix(600))])]
    }

    /// The `/health` fields that say why it is not ok.
    static func healthSummary(_ evidence: ExploreEvidence) -> String {
        let fields = ["status", "mode", "telegram.webhook_set", "telegram.last_error", "sheets.status", "sheets.circuit",
                      "outbox.queued", "outbox.oldest_age_s", "pending_actions", "dead_letters.count", "dead_letters.last_reason"]
        return "/health fields: " + fields.map { "\($0)=\(evidence.healthField($0) ?? "absent")" }.joined(separator: ", ")
    }

    /// ``Invariant/secretInLog``: no log line contains the bot token, the webhook secret, the
    /// admin token or a line of the private key.
    public static func secretsInLog(_ evidence: ExploreEvidence) -> [Violation] {
        let secrets = evidence.secrets.filter { $0.count >= 8 }
        let leaking = evidence.logLines.filter { line in secrets.contains { line.contains($0) } }
        guard !leaking.isEmpty else { return [] }
        return [Violation(invariant: .secretInLog, message: "\(leaking.count) log line(s) contain a secret", evidence: leaking.prefix(6).map { "bot log: " + evidence.redact($0) })]
    }

    /// ``Invariant/memory``: `memory.percent` of `/health` is below ``memoryWarnPercent``.
    public static func memory(_ evidence: ExploreEvidence) -> [Violation] {
        guard evidence.healthJSON != nil else { return [] } // health() already reports a silent /health
        guard let text = evidence.healthField("memory.percent"), let percent = Double(text) else {
            return [Violation(invariant: .memory, message: "/health reports no memory.percent")]
        }
        guard percent >= Double(memoryWarnPercent) else { return [] }
        return [Violation(invariant: .memory, message: "memory is at \(text)% of the limit at the end (warn at \(memoryWarnPercent)%)",
                          evidence: ["/health memory: rss \(evidence.healthField("memory.rss_bytes") ?? "?") of \(evidence.healthField("memory.limit_bytes") ?? "?")"])]
    }
}
