/// Turns a ``Schedule`` into an ordinary ``Scenario``: the steps `chaos run` would run from a
/// file, then the settling steps, then expectations that restate the invariants in the scenario
/// language (so that the written file, replayed, fails the same way).
public enum ScheduleScenario {
    /// How long a wait for an update's confirmation may take before it fails: a webhook
    /// redelivery comes within 2 s, a restarted bot polls at once.
    static let settleTimeout: Duration = .seconds(10)
    /// How long the wait for an empty outbox may take: Sheets' backoff and circuit breaker
    /// after the faults are cleared.
    static let outboxTimeout: Duration = .seconds(20)
    /// `SHUTDOWN_GRACE` in generated scenarios (the runner's shortened timing).
    public static let shutdownGrace: Duration = .seconds(5)

    /// Whether `step` belongs to the settling block that ends every generated scenario.
    static func settles(_ step: ScenarioStep) -> Bool {
        switch step.action {
        case .waitUntil, .clearFaults, .webhookOutage(down: false): true
        default: false
        }
    }

    /// The scenario of `schedule`.
    public static func scenario(_ schedule: Schedule) -> Scenario {
        let file = "\(schedule.name).yaml"
        var line = 1
        func at() -> SourceLocation {
            line += 1
            return SourceLocation(file: file, line: line, column: 5)
        }
        var steps: [ScenarioStep] = [ScenarioStep(action: .startBot(env: [:]), location: at())]
        // The last update of each chat before a settling point is saved, to wait for it.
        var lastOfChat: [Int64: Int] = [:]
        var referenced: Set<Int> = []
        var outage = false
        var posts = 0
        var stepsOfEvent: [(event: Int, step: ScenarioStep)] = []
        for (index, event) in schedule.events.enumerated() {
            // Signal a bot that answers /health: one still starting has not trapped SIGTERM yet and
            // the kernel's default action kills it (exit 143) — a finding, but the same one every
            // time, which would hide the rest.
            if event.isProcessEvent {
                stepsOfEvent.append((index, ScenarioStep(action: .waitUntil(.botListening, timeout: .seconds(15)), location: at())))
            }
            switch event {
            case .send(let user, let payload, _):
                stepsOfEvent.append((index, ScenarioStep(action: .send(SendStep(user: user, payload: payload)), location: at())))
                lastOfChat[user] = index
            case .raw(let json, let poison):
                stepsOfEvent.append((index, ScenarioStep(action: .send(SendStep(user: nil, payload: .raw(json: json))), location: at())))
                // A poison update must end confirmed too: answered 200 and dead-lettered.
                if poison { referenced.insert(index) }
            case .webhookPost(let json):
                posts += 1
                let body = "{\"update_id\": \(posts), " + json.dropFirst()
                // Straight to the bot, which may be starting after a restart: wait until it answers.
                stepsOfEvent.append((index, ScenarioStep(action: .waitUntil(.botListening, timeout: .seconds(15)), location: at())))
                stepsOfEvent.append((index, ScenarioStep(action: .http(HTTPStep(path: "/telegram/webhook", body: body)), location: at())))
            case .settleSends:
                guard !outage else { continue }
                for (_, last) in lastOfChat.sorted(by: { $0.key < $1.key }) {
                    referenced.insert(last)
                    stepsOfEvent.append((index, ScenarioStep(action: .waitUntil(.update(id: .saved("e\(last)"), state: "confirmed"), timeout: settleTimeout), location: at())))
                }
            case .fault(let rule):
                stepsOfEvent.append((index, ScenarioStep(action: .fault(rule), location: at())))
            case .clearFaults(let target):
                stepsOfEvent.append((index, ScenarioStep(action: .clearFaults(target: target), location: at())))
            case .webhookOutage(let down):
                outage = down
                stepsOfEvent.append((index, ScenarioStep(action: .webhookOutage(down: down), location: at())))
            case .restart(let signal):
                stepsOfEvent.append((index, ScenarioStep(action: .restartBot(signal: signal, timeout: .seconds(15), env: [:]), location: at())))
            case .kill:
                stepsOfEvent.append((index, ScenarioStep(action: .restartBot(signal: .kill, timeout: .seconds(15), env: [:]), location: at())))
            case .secondSignal:
                stepsOfEvent.append((index, ScenarioStep(action: .signal(.term), location: at())))
                stepsOfEvent.append((index, ScenarioStep(action: .sleep(.milliseconds(300)), location: at())))
                stepsOfEvent.append((index, ScenarioStep(action: .restartBot(signal: .term, timeout: .seconds(15), env: [:]), location: at())))
            case .memoryLimit(let bytes):
                stepsOfEvent.append((index, ScenarioStep(action: .memoryLimit(bytes: bytes), location: at())))
                stepsOfEvent.append((index, ScenarioStep(action: .restartBot(signal: .term, timeout: .seconds(15), env: [:]), location: at())))
            case .pause(let duration):
                stepsOfEvent.append((index, ScenarioStep(action: .sleep(duration), location: at())))
            }
        }
        // Settle: faults cleared, deliveries healed, the last update of every user and every poison
        // update confirmed (a bot with dead letters answers it 200), the outbox empty. Other raw
        // updates are not waited for: Telegram drops a kind the bot does not ask for (`dropped`).
        let lastOfAnyChat = lastOfChat
        referenced.formUnion(lastOfAnyChat.values)
        for (event, step) in stepsOfEvent {
            var step = step
            if case .send = step.action, referenced.contains(event) { step.saveAs = "e\(event)" }
            steps.append(step)
        }
        if schedule.events.contains(where: { if case .fault = $0 { true } else { false } }) {
            steps.append(ScenarioStep(action: .clearFaults(target: nil), location: at()))
        }
        if outage {
            steps.append(ScenarioStep(action: .webhookOutage(down: false), location: at()))
        }
        let poisoned = schedule.events.indices.filter { if case .raw(_, true) = schedule.events[$0] { true } else { false } }
        for last in lastOfAnyChat.sorted(by: { $0.key < $1.key }).map(\.value) + poisoned {
            steps.append(ScenarioStep(action: .waitUntil(.update(id: .saved("e\(last)"), state: "confirmed"), timeout: settleTimeout), location: at()))
        }
        // Settled also means healthy again: back in webhook mode after a fallback, the circuit closed.
        let plantsPoison = !poisoned.isEmpty
        let healthy: ValueMatcher = plantsPoison ? .oneOf(["ok", "degraded"]) : .equals("ok")
        steps.append(ScenarioStep(action: .waitUntil(.health([FieldCheck(path: "outbox.queued", matcher: .equals("0")),
                                                              FieldCheck(path: "status", matcher: healthy)]), timeout: outboxTimeout), location: at()))

        let memoryLimited = schedule.events.contains { if case .memoryLimit = $0 { true } else { false } }
        let rows = ExpectedRows.rows(schedule, busyUsers: memoryLimited ? Set(schedule.users.map(\.id)) : [])
        let required = rows.filter { !$0.optional }.count
        let hasRaw = schedule.events.contains { if case .raw = $0 { true } else { false } }
        var expectations: [ExpectationKind] = [.bot(BotExpectation(running: true))]
        // With raw updates some end `dropped` (see above); the users' last updates were awaited.
        if !hasRaw { expectations.append(.updates(allConfirmed: true)) }
        expectations += [
            .sheetRows(SheetRowsExpectation(count: required == rows.count ? CountCheck(exactly: required) : CountCheck(atLeast: required, atMost: rows.count),
                                            noDuplicates: "update_id")),
        ]
        for user in schedule.users {
            let own = rows.filter { $0.user == user.id && !$0.optional }
            guard !own.isEmpty else { continue }
            expectations.append(.sheetRows(SheetRowsExpectation(values: own.map { ["user_id": String(user.id), "action": $0.action] })))
            for action in Set(own.map(\.action)).sorted() {
                expectations.append(.sent(SentExpectation(chat: user.id, contains: action == "check_in" ? "Checked in" : "Checked out")))
            }
        }
        for (index, event) in schedule.events.enumerated() {
            if case .raw(_, true) = event { expectations.append(.update(id: .saved("e\(index)"), state: "confirmed")) }
        }
        expectations += [
            .health([
                FieldCheck(path: "status", matcher: healthy),
                FieldCheck(path: "outbox.queued", matcher: .equals("0")),
                FieldCheck(path: "memory.percent", matcher: .atMost(Double(InvariantChecks.memoryWarnPercent))),
            ]),
            .log(LogExpectation(noSecrets: true)),
        ]
        let description = "Explore schedule \(schedule.index) of seed \(schedule.seed) (\(schedule.mode.rawValue)): \(schedule.users.count) user(s), \(schedule.events.count) event(s); every invariant of docs/Explore.md holds"
        return Scenario(
            name: schedule.name, description: description, tags: ["explore", schedule.mode.rawValue], timeout: .seconds(180),
            bot: BotSettings(mode: schedule.mode), users: schedule.users, sites: ScenarioSite.defaults, steps: steps,
            expectations: expectations.map { Expectation(kind: $0, location: at()) }, location: SourceLocation(file: file, line: 1, column: 1))
    }
}
