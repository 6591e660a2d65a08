import Foundation
import MetroSupport

/// How `chaos explore` settles a schedule's system and reads its evidence, while the bot and the
/// fakes still run (``ScenarioExecution/run(inspect:)``).
extension ScenarioExecution {
    /// Heals what the schedule may have left broken (a step that failed skips the scenario's own
    /// settling steps), waits until the bot has settled, and collects the evidence.
    func settleAndCollect(_ schedule: Schedule) async -> ExploreEvidence {
        try? await telegram.clearFaults()
        try? await sheets.clearFaults()
        if schedule.mode == .webhook { try? await telegram.setWebhookOutage(false) }
        if bot?.isRunning != true { _ = try? startBot(env: botOverrides) }

        // Every update confirmed or dead-lettered, the outbox empty and /health ok (or degraded, when
        // the schedule planted poison), or 20 s passed — 10 s when the scenario reached its own
        // settling steps, which have waited already.
        let settlingStart = (scenario.steps.lastIndex { !ScheduleScenario.settles($0) } ?? 0) + 1
        let reachedSettling = steps.count > settlingStart
        var states: [Int64: String] = [:]
        var deadLetters: [Int64: String] = [:]
        var health: String?
        let settled = ContinuousClock.now + .seconds(reachedSettling ? 10 : 20)
        let plantsPoison = schedule.events.contains { if case .raw(_, true) = $0 { true } else { false } }
        while true {
            bot?.sampleRSS()
            for id in injectedUpdates where states[id] != "confirmed" && states[id] != "dropped" {
                states[id] = (try? await telegram.updateState(id))?.state ?? "unknown"
            }
            deadLetters = await fetchDeadLetters()
            health = try? await botClient.send("GET", "/health").text
            let json = health.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
            let outboxEmpty = JSONFields.value(json, path: "outbox.queued") == "0"
            let status = JSONFields.value(json, path: "status")
            let healthy = status == "ok" || (plantsPoison && status == "degraded")
            let allSettled = injectedUpdates.allSatisfy { states[$0] == "confirmed" || states[$0] == "dropped" || deadLetters[$0] != nil }
            if (allSettled && outboxEmpty && healthy) || ContinuousClock.now >= settled { break }
            try? await Task.sleep(for: .milliseconds(100))
            if Task.isCancelled { break }
        }
        // Replies go out after the row is queued; give the last confirmations a moment.
        var rows = (try? await dataRows(sheet: "Attendance")) ?? []
        var chats: [Int64: [String]] = [:]
        let replies = ContinuousClock.now + .seconds(5)
        while true {
            for user in schedule.users { chats[user.id] = (try? await telegram.texts(chat: user.id)) ?? [] }
            rows = (try? await dataRows(sheet: "Attendance")) ?? rows
            let evidence = ExploreEvidence(schedule: schedule, updateIDs: injectedUpdates, rows: rows, chats: chats)
            if InvariantChecks.unconfirmedRows(evidence).isEmpty || ContinuousClock.now >= replies || Task.isCancelled { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        health = try? await botClient.send("GET", "/health").text

        let runs = botRuns.map { run in
            ExploreEvidence.BotRun(signals: run.signalsSent.map { (name: $0.0.rawValue, at: ($0.1 - started).seconds) },
                                   exitCode: run.exit?.code, exitedAt: run.exit.map { ($0.at - started).seconds })
        }
        let grace = (scenario.bot.env["SHUTDOWN_GRACE"] ?? botOverrides["SHUTDOWN_GRACE"]).flatMap(DurationText.parse) ?? ScheduleScenario.shutdownGrace
        return ExploreEvidence(
            schedule: schedule, updateIDs: injectedUpdates, updateStates: states, deadLetters: deadLetters, rows: rows, chats: chats,
            healthJSON: health, shutdownGrace: grace, botRuns: runs, webhookPosts: webhookPostStatuses(), logLines: workspace.logLines(), secrets: secrets.all,
            telegramJournal: ((try? await telegram.calls()) ?? []).map { redactedLine($0) },
            sheetsJournal: ((try? await sheets.calls()) ?? []).map { redactedLine($0) })
    }

    /// The status of each `http` step's answer, from its journal line (`… → 200`).
    func webhookPostStatuses() -> [Int] {
        steps.filter { $0.keyword == "http" }.compactMap { step in
            step.detail.components(separatedBy: "→ ").last.flatMap { Int($0.prefix { $0.isNumber }) }
        }
    }

    private func redactedLine(_ call: JournaledCall) -> String {
        var call = call
        call.params = redact(call.params)
        return call.evidenceLine
    }

    /// The bot's dead letters (`GET /admin/dead-letters`), update id → reason; empty when the bot
    /// has no such endpoint yet or does not answer.
    func fetchDeadLetters() async -> [Int64: String] {
        guard let answer = try? await botClient.send("GET", "/admin/dead-letters", headers: [("Authorization", "Bearer \(secrets.adminToken)")]),
              answer.status == 200, let object = answer.json as? [String: Any], let letters = object["dead_letters"] as? [[String: Any]]
        else { return [:] }
        var result: [Int64: String] = [:]
        for letter in letters {
            guard let id = (letter["update_id"] as? NSNumber)?.int64Value else { continue }
            result[id] = letter["reason"] as? String ?? ""
        }
        return result
    }
}
