import AsyncHTTPClient
import Foundation
import MetroSupport

/// Runs one scenario's steps and checks against fakes that are already running, and writes
/// its journal. Used by ``ScenarioRunner``, which owns the fakes and the workspace.
final class ScenarioExecution {
    /// A step that did not do what it had to; stops the scenario.
    struct StepFailure: Error {
        var message: String
    }

    enum SavedValue {
        case updateID(Int64)
        case time(Double)
    }

    let scenario: Scenario
    let seed: UInt64
    let endpoints: FakeEndpoints
    let botExecutable: URL?
    let workspace: ScenarioWorkspace
    let http: HTTPClient
    let telegram: TelegramControl
    let sheets: SheetsControl
    /// The default instance's port.
    let port: Int
    let secrets: BotEnvironment.Secrets
    let started = ContinuousClock.now
    let deadline: ContinuousClock.Instant
    /// The round-robin front before the instances' webhook routes; nil with one instance.
    let front: WebhookFront?
    /// The scenario's own PostgreSQL database, shared by its instances; nil runs each instance
    /// on its own SQLite file.
    let database: ScenarioDatabase?

    var random: SeededGenerator
    /// The instances started so far, by name.
    var instances: [String: BotInstance] = [:]
    /// Every run of every instance, in start order.
    var botRuns: [BotProcess] = []
    var memoryLimit: Int64?
    var saved: [String: SavedValue] = [:]
    var injectedUpdates: [Int64] = []
    var steps: [StepJournal] = []
    /// The fault steps run so far, each with its journal entry.
    var faults: [(journal: FaultJournal, rule: ScenarioFault)] = []
    var slowloris: [SlowlorisSwarm] = []

    init(scenario: Scenario, seed: UInt64, endpoints: FakeEndpoints, botExecutable: URL?, workspace: ScenarioWorkspace, http: HTTPClient,
         front: WebhookFront? = nil, database: ScenarioDatabase? = nil) throws {
        self.scenario = scenario
        self.front = front
        self.database = database
        self.seed = seed
        self.endpoints = endpoints
        self.botExecutable = botExecutable
        self.workspace = workspace
        self.http = http
        self.telegram = TelegramControl(fake: endpoints.telegram)
        self.sheets = SheetsControl(fake: endpoints.sheets)
        self.port = try BotEnvironment.freePort()
        var random = SeededGenerator(seed: seed)
        func token() -> String { (0..<4).map { _ in String(random.next(), radix: 36) }.joined() }
        self.secrets = BotEnvironment.Secrets(botToken: endpoints.botToken, webhookSecret: "whs" + token(), adminToken: "adm" + token(),
                                              privateKeyLines: endpoints.privateKeyLines, databasePassword: database?.connection.password)
        self.random = random
        self.deadline = started + scenario.timeout
    }

    var elapsed: Double { (ContinuousClock.now - started).seconds }
    /// The default instance's process.
    var bot: BotProcess? { instances[BotInstanceName.default]?.process }
    /// The default instance's latest start environment.
    var botOverrides: [String: String] { instances[BotInstanceName.default]?.overrides ?? [:] }
    var botClient: ControlClient { client(BotInstanceName.default) }

    /// An HTTP client for one instance's own port (not through the front).
    func client(_ instance: String) -> ControlClient {
        ControlClient(http: http, baseURL: "http://127.0.0.1:\(instances[instance]?.port ?? port)", timeout: .seconds(3))
    }

    /// The instance's files; the default instance's before any start.
    func files(_ instance: String) -> InstanceFiles {
        instances[instance]?.files ?? workspace.defaultInstance
    }

    /// The instance, created with its port and directory at its first start.
    func botInstance(_ name: String) throws -> BotInstance {
        if let existing = instances[name] { return existing }
        let created = BotInstance(name: name, port: name == BotInstanceName.default ? port : try BotEnvironment.freePort(),
                                  files: try workspace.instance(name))
        instances[name] = created
        return created
    }

    // MARK: Running

    /// Runs the steps, steady-state checks and expectations; stops the bot; returns the journal.
    /// - Parameter inspect: Called after the expectations (or after the step that failed) while
    ///   the bot and the fakes still run: how `chaos explore` settles the system and collects its
    ///   evidence. Defaults to none.
    func run(inspect: (@Sendable (ScenarioExecution) async -> Void)? = nil) async -> ScenarioJournal {
        var failure: String?
        var steadyState: [ExpectationJournal] = []
        var expectations: [ExpectationJournal] = []
        do {
            try workspace.writeSites(scenario.sites)
            try workspace.writeCredentials(endpoints.credentials)
            let firstFault = scenario.steps.firstIndex { $0.action.injectsFault }
            for (index, step) in scenario.steps.enumerated() {
                if index == firstFault, !scenario.steadyState.isEmpty {
                    steadyState += await evaluate(scenario.steadyState, phase: "before the first fault")
                    if let bad = steadyState.first(where: { !$0.passed }) {
                        throw StepFailure(message: "steady state did not hold before the first fault: \(bad.keyword) at \(bad.location) expected \(bad.expected), saw \(bad.actual)")
                    }
                }
                try await runStep(step, index: index + 1)
            }
            if !scenario.steadyState.isEmpty {
                steadyState += await evaluate(scenario.steadyState, phase: "after the last step")
            }
            expectations = await evaluate(scenario.expectations, phase: nil)
            let failed = (steadyState + expectations).filter { !$0.passed }
            if let first = failed.first {
                failure = "\(failed.count) check(s) failed; first: \(first.keyword) at \(first.location): expected \(first.expected), saw \(first.actual)"
            }
        } catch let error as StepFailure {
            failure = error.message
        } catch {
            failure = "\(error)"
        }
        for swarm in slowloris { await swarm.stop() }
        if let inspect { await inspect(self) }
        await stopRunningInstances()
        await recordFaultsFired()
        var journal = ScenarioJournal(
            name: scenario.name, description: scenario.description, file: scenario.file, tags: scenario.tags, seed: seed,
            outcome: failure == nil ? .passed : .failed, failure: failure, durationSeconds: elapsed, steps: steps, faults: faults.map(\.journal),
            steadyState: steadyState, expectations: expectations, botRuns: botRunJournal(), botLog: redactedLogTail())
        if database != nil { journal.store = BotStore.postgres.rawValue }
        journal.frontDeliveries = front?.deliveryCounts
        return journal
    }

    /// Stops every instance still running, all at once (each gets SIGTERM, then SIGKILL after 5 s).
    func stopRunningInstances() async {
        let running = instances.values.compactMap(\.process).filter(\.isRunning)
        await withTaskGroup(of: Void.self) { group in
            for process in running {
                group.addTask { _ = await process.stop(signal: .term, timeout: .seconds(5)) }
            }
        }
    }

    func runStep(_ step: ScenarioStep, index: Int) async throws {
        let stepStart = elapsed
        var detail = ""
        do {
            if ContinuousClock.now >= deadline {
                throw StepFailure(message: "the scenario's timeout (\(DurationText.format(scenario.timeout))) passed before this step")
            }
            detail = try await perform(step.action, instance: step.instance, index: index)
            if let name = step.saveAs, saved[name] == nil { saved[name] = .time(elapsed) }
            if let name = step.saveAs, case .updateID(let id)? = saved[name] { detail += " (saved $\(name) = \(id))" }
            steps.append(StepJournal(index: index, keyword: step.action.keyword, location: step.location.description, detail: detail,
                                     startSeconds: stepStart, durationSeconds: elapsed - stepStart, passed: true))
        } catch {
            let message = (error as? StepFailure)?.message ?? "\(error)"
            steps.append(StepJournal(index: index, keyword: step.action.keyword, location: step.location.description, detail: detail,
                                     startSeconds: stepStart, durationSeconds: elapsed - stepStart, passed: false, failure: message))
            throw StepFailure(message: "step \(index) (\(step.action.keyword) at \(step.location)) failed: \(message)")
        }
    }

    /// Does one step on `instance` (for the steps that act on a bot); returns what it did, for the journal.
    func perform(_ action: StepAction, instance name: String = BotInstanceName.default, index: Int) async throws -> String {
        let label = BotInstance.label(name)
        let running = instances[name]?.process.flatMap { $0.isRunning ? $0 : nil }
        switch action {
        case .startBot(let env):
            return try startBot(env: env, instance: name)
        case .stopBot(let signal, let timeout):
            guard let bot = running else { throw StepFailure(message: "\(label) is not running") }
            let exit = await bot.stop(signal: signal, timeout: timeout)
            return "sent \(signal.rawValue); exited with \(exit.code)"
        case .restartBot(let signal, let timeout, let env):
            var detail = name == BotInstanceName.default ? "bot was not running" : "\(label) was not running"
            if let bot = running {
                let exit = await bot.stop(signal: signal, timeout: timeout)
                detail = "sent \(signal.rawValue); exited with \(exit.code)"
            }
            let overrides = instances[name]?.overrides ?? [:]
            return detail + "; " + (try startBot(env: overrides.merging(env) { $1 }, instance: name))
        case .signal(let signal):
            guard let bot = running else { throw StepFailure(message: "cannot send \(signal.rawValue): \(label) is not running") }
            bot.send(signal)
            return "sent SIG\(signal.rawValue) to pid \(bot.pid)"
        case .send(let send):
            let id = try await inject(send)
            injectedUpdates.append(id)
            if let name = scenario.steps[index - 1].saveAs { saved[name] = .updateID(id) }
            return "update \(id)"
        case .fault(let rule):
            let id = rule.target == .telegram ? try await telegram.addFault(rule) : try await sheets.addFault(rule)
            let text = rule.journalText
            faults.append((FaultJournal(target: rule.target.rawValue, rule: text, step: index, id: id), rule))
            return "\(rule.target.rawValue) fault \(text)"
        case .clearFaults(let target):
            if target != .sheets { try await telegram.clearFaults() }
            if target != .telegram { try await sheets.clearFaults() }
            return "cleared \(target?.rawValue ?? "all") faults"
        case .webhookOutage(let down):
            try await telegram.setWebhookOutage(down)
            return down ? "webhook deliveries fail" : "webhook deliveries work again"
        case .storeOutage(let down):
            guard let database else { throw StepFailure(message: "store_outage needs the scenario to run on PostgreSQL (store: postgres)") }
            try await database.server.setOutage(of: database, down: down)
            return down ? "the database refuses connections" : "the database takes connections again"
        case .flood(let flood):
            return try await runFlood(flood)
        case .memoryLimit(let bytes):
            memoryLimit = bytes
            return "MEMORY_LIMIT_BYTES=\(bytes) from the next start"
        case .sleep(let duration):
            try await pause(until: min(ContinuousClock.now + duration, deadline))
            return "slept \(DurationText.format(duration))"
        case .waitUntil(let condition, let timeout):
            return try await waitUntil(condition, timeout: timeout, instance: name)
        case .http(let request):
            return try await sendHTTP(request, instance: name)
        case .slowloris(let step):
            let swarm = SlowlorisSwarm(step: step, port: port)
            slowloris.append(swarm)
            return "\(step.connections) slow connections to the bot, a byte every \(DurationText.format(step.interval))"
        }
    }

    /// Starts an instance with `env` over the scenario's; a restart passes the last start's
    /// overrides merged with its own, so they carry over. Every instance shares the secrets (one
    /// bot, one webhook), and with a front Telegram is given the front's URL instead of the
    /// instance's own.
    func startBot(env: [String: String], instance name: String = BotInstanceName.default) throws -> String {
        if let bot = instances[name]?.process, bot.isRunning {
            throw StepFailure(message: "\(BotInstance.label(name)) is already running (pid \(bot.pid)); stop it first")
        }
        guard let botExecutable else { throw StepFailure(message: "no bot binary; pass --bot PATH") }
        let instance = try botInstance(name)
        instance.overrides = env
        let environment = BotEnvironment(
            telegramBaseURL: endpoints.telegramBaseURL, sheetsBaseURL: endpoints.sheetsBaseURL, spreadsheetID: endpoints.spreadsheetID,
            workspace: workspace, instance: instance.files, port: instance.port, mode: scenario.bot.mode, publicURL: front?.baseURL,
            databaseURL: database?.url, secrets: secrets, memoryLimit: memoryLimit, overrides: scenario.bot.env.merging(env) { $1 })
        let process: BotProcess
        do {
            process = try BotProcess(executable: botExecutable, environment: environment.variables, logFile: instance.files.outputLog,
                                     workingDirectory: instance.files.directory)
        } catch {
            throw StepFailure(message: "cannot start \(botExecutable.path): \(error)")
        }
        instance.process = process
        instance.runs.append(process)
        botRuns.append(process)
        front?.add(WebhookFront.Upstream(name: name, port: instance.port))
        let detail = "started pid \(process.pid) on port \(instance.port) (\(scenario.bot.mode.rawValue))"
        return name == BotInstanceName.default ? detail : "instance \(name): " + detail
    }

    func user(_ id: Int64) -> ScenarioUser {
        scenario.users.first { $0.id == id } ?? ScenarioUser(id: id)
    }

    func inject(_ send: SendStep) async throws -> Int64 {
        switch send.payload {
        case .text(let text): return try await telegram.sendText(user: user(send.user ?? 0), text: text)
        case .location(let latitude, let longitude): return try await telegram.sendLocation(user: user(send.user ?? 0), latitude: latitude, longitude: longitude)
        case .callback(let data, let messageID): return try await telegram.sendCallback(user: user(send.user ?? 0), data: data, messageID: messageID)
        case .raw(let json): return try await telegram.sendRaw(json: json)
        }
    }

    func runFlood(_ flood: FloodStep) async throws -> String {
        var users = (0..<flood.users).map { ScenarioUser(id: FloodStep.userID($0)) }
        users.shuffle(using: &random)
        let site = scenario.sites.first ?? ScenarioSite.defaults[0]
        let telegram = self.telegram
        var ids: [Int64] = []
        try await withThrowingTaskGroup(of: [Int64].self) { group in
            var next = 0
            func addNext() {
                guard next < users.count else { return }
                let user = users[next]
                next += 1
                group.addTask {
                    var ids: [Int64] = []
                    for _ in 0..<flood.messages {
                        switch flood.content {
                        case .text(let text):
                            if let padding = flood.padding {
                                let padded = text + " " + String(repeating: "x", count: padding)
                                ids.append(try await telegram.sendLongText(user: user, text: padded))
                            } else {
                                ids.append(try await telegram.sendText(user: user, text: text))
                            }
                        case .checkIn:
                            ids.append(try await telegram.sendText(user: user, text: "/checkin"))
                            ids.append(try await telegram.sendLocation(user: user, latitude: site.latitude, longitude: site.longitude))
                        }
                    }
                    return ids
                }
            }
            for _ in 0..<flood.concurrency { addNext() }
            while let batch = try await group.next() {
                ids += batch
                addNext()
            }
        }
        injectedUpdates += ids
        let order = users.prefix(5).map { String($0.id) }.joined(separator: ", ")
        let padded = flood.padding.map { ", each text padded with \($0) bytes" } ?? ""
        return "\(ids.count) updates from \(flood.users) users × \(flood.messages), concurrency \(flood.concurrency)\(padded); user order starts \(order)"
    }

    func sendHTTP(_ request: HTTPStep, instance: String = BotInstanceName.default) async throws -> String {
        let webhookPath = scenario.bot.env["WEBHOOK_PATH"] ?? instances[instance]?.overrides["WEBHOOK_PATH"] ?? "/telegram/webhook"
        var headers: [(String, String)] = []
        let isWebhook = request.path == webhookPath
        switch request.credential {
        case .valid: headers.append(isWebhook ? ("X-Telegram-Bot-Api-Secret-Token", secrets.webhookSecret) : ("Authorization", "Bearer \(secrets.adminToken)"))
        case .wrong: headers.append(isWebhook ? ("X-Telegram-Bot-Api-Secret-Token", "wrong-secret") : ("Authorization", "Bearer wrong-token"))
        case .none: break
        }
        var body = request.body.map { Data($0.utf8) }
        if let size = request.bodySize {
            let prefix = #"{"update_id":1,"message":{"text":""#, suffix = #""}}"#
            body = Data((prefix + String(repeating: "x", count: max(0, Int(size) - prefix.count - suffix.count)) + suffix).utf8)
        }
        if let depth = request.bodyNesting {
            body = Data(String(repeating: "[", count: depth).utf8)
        }
        let client = switch request.target {
        case .bot: client(instance)
        case .telegram: ControlClient(http: http, baseURL: endpoints.telegramBaseURL, timeout: .seconds(3))
        case .sheets: ControlClient(http: http, baseURL: endpoints.sheetsBaseURL, timeout: .seconds(3))
        }
        if request.target != .bot { headers = [("Content-Type", "application/json")] }
        let answer = try await client.send(request.method, request.path, body: body, headers: headers)
        let server = request.target == .bot ? "" : "\(request.target.rawValue) "
        let detail = "\(request.method) \(server)\(request.path) (credential \(request.credential.rawValue), \(body?.count ?? 0) bytes) → \(answer.status)"
        if let expected = request.expectStatus, expected != answer.status {
            throw StepFailure(message: "\(detail); expected \(expected). Body: \(answer.text.prefix(200))")
        }
        return detail
    }

    func pause(until instant: ContinuousClock.Instant) async throws {
        while ContinuousClock.now < instant {
            sampleRSS()
            try await Task.sleep(for: min(.milliseconds(100), instant - ContinuousClock.now))
        }
    }

    // MARK: Conditions

    /// Samples the peak RSS of every running instance.
    func sampleRSS() {
        for instance in instances.values { instance.process?.sampleRSS() }
    }

    func waitUntil(_ condition: WaitCondition, timeout: Duration, instance: String = BotInstanceName.default) async throws -> String {
        let until = min(ContinuousClock.now + timeout, deadline)
        var lastSeen = "nothing yet"
        // Only a condition on a bot gives up early when that bot exits; the default instance is
        // the one the other conditions have always watched.
        let bot = instances[instance]?.process
        let label = BotInstance.label(instance)
        while true {
            sampleRSS()
            let (holds, seen) = await probe(condition, instance: instance)
            lastSeen = seen
            if holds { return "held after \(String(format: "%.2f", (timeout - (until - ContinuousClock.now)).seconds))s: \(seen)" }
            if ContinuousClock.now >= until { break }
            // Once the bot has exited nothing will change any more: fail now, not at the timeout.
            if bot?.exit != nil, condition != .botExited {
                var message = "\(label) exited before the condition held; last seen: \(lastSeen)"
                if let exit = bot?.exit { message += ". \(label.capitalizedFirst) exited with code \(exit.code); its last log lines:\n" + logTail(8, instance: instance).map { "    \($0)" }.joined(separator: "\n") }
                throw StepFailure(message: message)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        var message = "condition did not hold within \(DurationText.format(timeout)); last seen: \(lastSeen)"
        if let exit = bot?.exit, condition != .botExited {
            message += ". \(label.capitalizedFirst) exited with code \(exit.code); its last log lines:\n" + logTail(8, instance: instance).map { "    \($0)" }.joined(separator: "\n")
        }
        throw StepFailure(message: message)
    }

    /// Whether `condition` holds now, and what was seen; conditions on a bot read `instance`.
    func probe(_ condition: WaitCondition, instance: String = BotInstanceName.default) async -> (Bool, String) {
        do {
            switch condition {
            case .botExited:
                guard let bot = instances[instance]?.process else { return (false, "\(BotInstance.label(instance)) was never started") }
                if let exit = bot.exit { return (true, "exited with \(exit.code)") }
                return (false, "pid \(bot.pid) still running")
            case .botListening:
                let answer = try await client(instance).send("GET", "/health")
                return (true, "/health answered \(answer.status)")
            case .slowlorisClosed:
                guard !slowloris.isEmpty else { return (false, "no slowloris step ran") }
                return (slowloris.allSatisfy(\.allClosed), slowloris.map(\.summary).joined(separator: "; "))
            case .health(let checks):
                let answer = try await client(instance).send("GET", "/health")
                let json = answer.json
                let seen = checks.map { "\($0.path)=\(JSONFields.value(json, path: $0.path) ?? "absent")" }.joined(separator: ", ")
                return (checks.allSatisfy { $0.matcher.matches(JSONFields.value(json, path: $0.path)) }, seen)
            case .log(let pattern):
                let regex = try NSRegularExpression(pattern: pattern)
                let lines = files(instance).logLines()
                if let line = lines.first(where: { regex.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }) {
                    return (true, redact(line))
                }
                return (false, "\(lines.count) log lines, none matching /\(pattern)/")
            case .calls(let target, let method, let atLeast):
                let calls = try await journal(target: target, method: method)
                return (calls.count >= atLeast, "\(calls.count) \(method) call(s)")
            case .update(let reference, let state):
                let id = try resolve(reference)
                let current = try await telegram.updateState(id)
                return (current.state == state, "update \(id) is \(current.state) after \(current.attempts) attempt(s)")
            case .sheetRows(let sheet, let atLeast):
                let rows = try await dataRows(sheet: sheet)
                return (rows.count >= atLeast, "\(rows.count) row(s) in \(sheet)")
            case .sent(let chat, let text):
                let texts = try await telegram.texts(chat: chat)
                return (texts.contains { $0.contains(text) }, "\(texts.count) message(s) to \(chat)\(texts.last.map { ", last: \"\($0.prefix(80))\"" } ?? "")")
            case .held(let target, let method):
                let calls = try await journal(target: target, method: method)
                let held = calls.filter(\.held)
                return (!held.isEmpty, "\(held.count) of \(calls.count) \(method) call(s) held without an answer")
            }
        } catch {
            return (false, "\(error)")
        }
    }

    func journal(target: FaultTarget, method: String) async throws -> [JournaledCall] {
        target == .telegram ? try await telegram.calls(method: method) : try await sheets.calls(operation: method)
    }

    func resolve(_ reference: ValueReference) throws -> Int64 {
        switch reference {
        case .literal(let value): return value
        case .saved(let name):
            guard case .updateID(let id)? = saved[name] else {
                throw StepFailure(message: "$\(name) is not an update id (only send steps save update ids)")
            }
            return id
        }
    }

    /// The sheet's rows without a header row (one whose first cell is `timestamp`).
    func dataRows(sheet: String) async throws -> [[String]] {
        let rows = try await sheets.rows(spreadsheetID: endpoints.spreadsheetID, sheet: sheet)
        if let first = rows.first, first.first == "timestamp" { return Array(rows.dropFirst()) }
        return rows
    }

    // MARK: Evidence

    func logTail(_ count: Int, instance: String = BotInstanceName.default) -> [String] {
        files(instance).logLines().suffix(count).map(redact)
    }

    /// `text` with every secret replaced by `<redacted>`.
    func redact(_ text: String) -> String {
        secrets.all.filter { !$0.isEmpty }.reduce(text) { $0.replacingOccurrences(of: $1, with: "<redacted>") }
    }

    /// The default instance's output, or with several instances each one's under a
    /// `== instance NAME ==` line, capped at the last 64 KiB.
    func redactedLogTail() -> String {
        func output(_ files: InstanceFiles) -> Data {
            FileManager.default.contents(atPath: files.outputLog.path) ?? Data()
        }
        var data: Data
        let named = instances.values.filter { $0.name != BotInstanceName.default }.sorted { $0.name < $1.name }
        if named.isEmpty {
            data = output(workspace.defaultInstance)
        } else {
            data = Data()
            for instance in instances.values.sorted(by: { $0.name < $1.name }) {
                data += Data("== instance \(instance.name) ==\n".utf8) + output(instance.files)
            }
        }
        let tail = data.count > 65_536 ? data.suffix(65_536) : data
        return redact(String(decoding: tail, as: UTF8.self))
    }

    func botRunJournal() -> [BotRunJournal] {
        let instanceOf = Dictionary(uniqueKeysWithValues: instances.values.flatMap { instance in instance.runs.map { ($0.pid, instance.name) } })
        return botRuns.map { run in
            let name = instanceOf[run.pid]
            return BotRunJournal(pid: run.pid, startedSeconds: (run.startedAt - started).seconds, exitCode: run.exit?.code,
                                 exitedSeconds: run.exit.map { ($0.at - started).seconds }, signals: run.signalsSent.map(\.0.rawValue),
                                 instance: name == BotInstanceName.default ? nil : name)
        }
    }

    /// Counts, per installed fault, the journaled calls it fired on: both fakes journal the id of
    /// the fault that fired on a call. Webhook deliveries are not calls of the bot, so the journal
    /// does not list them and a `delivery` fault counts none.
    func recordFaultsFired() async {
        for index in faults.indices {
            let rule = faults[index].rule
            guard let id = faults[index].journal.id, let calls = try? await journal(target: rule.target, method: rule.match) else { continue }
            faults[index].journal.fired = calls.filter { $0.faultID == id }.count
        }
    }
}

extension String {
    /// The text with its first letter in capitals ("the bot" → "The bot").
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
