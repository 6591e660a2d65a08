import Foundation
import Yams
import MetroSupport

extension ScenarioParser {
    static let stepKeywords = [
        "start_bot", "stop_bot", "restart_bot", "signal", "send", "fault", "clear_faults",
        "webhook_outage", "store_outage", "flood", "memory_limit", "sleep", "wait_until", "http", "slowloris",
    ]

    /// An outage switch: `on` (down) or `off`.
    private static func readOutage(_ node: Node, _ name: String, reader: NodeReader) -> Bool? {
        guard let text = reader.scalar(node, name) else { return nil }
        switch text {
        case "on", "true", "down": return true
        case "off", "false", "up": return false
        default:
            reader.error(node, "expected \(name) to be on or off, found '\(text)'")
            return nil
        }
    }

    static func readStep(_ node: Node, reader: NodeReader, context: inout StepContext) -> ScenarioStep? {
        guard let fields = reader.mapping(node, "a step", allowed: stepKeywords + ["save_as"]) else { return nil }
        let actionKeys = fields.order.filter { $0 != "save_as" }
        guard actionKeys.count == 1, let keyword = actionKeys.first, let body = fields[keyword] else {
            if actionKeys.isEmpty {
                reader.error(node, "a step needs one of: \(stepKeywords.joined(separator: ", "))")
            } else {
                reader.error(node, "a step does one thing; found \(actionKeys.joined(separator: " and ")) — write them as separate steps")
            }
            return nil
        }
        var saveAs: String?
        if let saveNode = fields["save_as"], let name = reader.string(saveNode, "save_as") {
            if name.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) == nil {
                reader.error(saveNode, "expected save_as as a lowercase identifier (like 'first_update'), found '\(name)'")
            } else if context.saved.contains(name) {
                reader.error(saveNode, "'\(name)' is already saved by an earlier step; choose another name")
            } else {
                saveAs = name
            }
        }
        let action = readAction(keyword, body, reader: reader, context: &context)
        if let saveAs { context.saved.insert(saveAs) }
        let instance = readStepInstance(keyword, body, action: action, reader: reader, context: &context)
        guard let action, let instance else { return nil }
        return ScenarioStep(action: action, saveAs: saveAs, instance: instance, location: reader.location(node))
    }

    /// The steps that act on one bot instance and so take `instance`.
    static let instanceStepKeywords = ["start_bot", "stop_bot", "restart_bot", "signal", "wait_until", "http"]

    /// The instance a step targets: its `instance` key, or the default one. `start_bot` starts
    /// an instance; any other step may only name an instance an earlier `start_bot` started, so a
    /// typo fails validation rather than a run. Nil when the name is wrong.
    static func readStepInstance(_ keyword: String, _ body: Node, action: StepAction?, reader: NodeReader, context: inout StepContext) -> String? {
        guard instanceStepKeywords.contains(keyword), let node = body["instance"] else {
            if keyword == "start_bot" { context.started.insert(BotInstanceName.default) }
            var readsBot = instanceStepKeywords.contains(keyword)
            if case .waitUntil(let condition, _)? = action { readsBot = condition.readsBot }
            if case .http(let request)? = action { readsBot = request.target == .bot }
            if readsBot, let problem = unnamedInstanceProblem(keyword, context: context) { reader.error(body, problem) }
            return BotInstanceName.default
        }
        guard let name = readInstanceName(node, reader: reader, context: context, starting: keyword == "start_bot") else { return nil }
        if keyword == "start_bot" { context.started.insert(name) }
        if case .waitUntil(let condition, _)? = action, !condition.readsBot {
            reader.error(node, "wait_until takes 'instance' only with a condition on a bot (bot, health, log); the fakes' state is shared by every instance")
            return nil
        }
        if case .http(let request)? = action, request.target != .bot {
            reader.error(node, "http takes 'instance' only for requests to a bot; target \(request.target.rawValue) is shared by every instance")
            return nil
        }
        return name
    }

    /// Why leaving out `instance` is a mistake here: the scenario has started only named
    /// instances, so the default one this would target does not exist. Nil when it is fine.
    static func unnamedInstanceProblem(_ keyword: String, context: StepContext) -> String? {
        guard !context.started.isEmpty, !context.started.contains(BotInstanceName.default) else { return nil }
        let names = context.started.sorted().joined(separator: ", ")
        return "\(keyword) without 'instance' targets the default instance, which this scenario never starts; name one of its instances (\(names)), like instance: \(context.started.sorted()[0])"
    }

    /// Reads an instance name; unless `starting`, it must be one an earlier `start_bot` started.
    static func readInstanceName(_ node: Node, reader: NodeReader, context: StepContext, starting: Bool) -> String? {
        guard let name = reader.string(node, "instance") else { return nil }
        if let problem = BotInstanceName.problem(name) {
            reader.error(node, problem)
            return nil
        }
        if !starting, !context.started.contains(name) {
            let known = context.started.sorted().joined(separator: ", ")
            reader.error(node, "instance '\(name)' is not started by an earlier start_bot step (start_bot: {instance: \(name)}); started so far: \(known.isEmpty ? "none" : known)")
            return nil
        }
        return name
    }

    static func readAction(_ keyword: String, _ node: Node, reader: NodeReader, context: inout StepContext) -> StepAction? {
        switch keyword {
        case "start_bot":
            guard let fields = reader.mapping(node, "start_bot", allowed: ["instance", "env"], nullIsEmpty: true) else { return nil }
            return .startBot(env: fields["env"].flatMap { readEnvironment($0, "start_bot.env", reader: reader) } ?? [:])
        case "stop_bot":
            guard let fields = reader.mapping(node, "stop_bot", allowed: ["instance", "signal", "timeout"], nullIsEmpty: true) else { return nil }
            let signal = fields["signal"].flatMap { readSignal($0, reader: reader) } ?? .term
            let timeout = fields["timeout"].flatMap { reader.duration($0, "stop_bot.timeout") } ?? .seconds(30)
            return .stopBot(signal: signal, timeout: timeout)
        case "restart_bot":
            guard let fields = reader.mapping(node, "restart_bot", allowed: ["instance", "signal", "timeout", "env"], nullIsEmpty: true) else { return nil }
            let signal = fields["signal"].flatMap { readSignal($0, reader: reader) } ?? .term
            let timeout = fields["timeout"].flatMap { reader.duration($0, "restart_bot.timeout") } ?? .seconds(30)
            let env = fields["env"].flatMap { readEnvironment($0, "restart_bot.env", reader: reader) } ?? [:]
            return .restartBot(signal: signal, timeout: timeout, env: env)
        case "signal":
            // `signal: KILL`, or `signal: {instance: a, signal: KILL}` to pick the instance.
            if case .mapping = node {
                guard let fields = reader.mapping(node, "signal", allowed: ["instance", "signal"], required: ["signal"]) else { return nil }
                return fields["signal"].flatMap { readSignal($0, reader: reader) }.map(StepAction.signal)
            }
            return readSignal(node, reader: reader).map(StepAction.signal)
        case "send":
            return readSend(node, reader: reader, context: context).map(StepAction.send)
        case "fault":
            return readFault(node, reader: reader).map(StepAction.fault)
        case "clear_faults":
            if reader.isNull(node) { return .clearFaults(target: nil) }
            if case .scalar = node { return reader.choice(node, "clear_faults", FaultTarget.self).map { .clearFaults(target: $0) } }
            guard let fields = reader.mapping(node, "clear_faults", allowed: ["target"]) else { return nil }
            return .clearFaults(target: fields["target"].flatMap { reader.choice($0, "clear_faults.target", FaultTarget.self) })
        case "webhook_outage":
            return readOutage(node, "webhook_outage", reader: reader).map { .webhookOutage(down: $0) }
        case "store_outage":
            return readOutage(node, "store_outage", reader: reader).map { .storeOutage(down: $0) }
        case "flood":
            return readFlood(node, reader: reader).map(StepAction.flood)
        case "memory_limit":
            return reader.bytes(node, "memory_limit").map { .memoryLimit(bytes: $0) }
        case "sleep":
            return reader.duration(node, "sleep").map(StepAction.sleep)
        case "wait_until":
            return readWait(node, reader: reader, context: context)
        case "http":
            return readHTTP(node, reader: reader).map(StepAction.http)
        case "slowloris":
            guard let fields = reader.mapping(node, "slowloris", allowed: ["connections", "interval"], required: ["connections"]) else { return nil }
            guard let connections = fields["connections"].flatMap({ reader.int($0, "slowloris.connections", range: 1...2_000) }) else { return nil }
            let interval = fields["interval"].flatMap { reader.duration($0, "slowloris.interval") } ?? .seconds(1)
            return .slowloris(SlowlorisStep(connections: connections, interval: interval))
        default:
            return nil
        }
    }

    static func readSignal(_ node: Node, reader: NodeReader) -> BotSignal? {
        guard let text = reader.scalar(node, "signal") else { return nil }
        let name = text.hasPrefix("SIG") ? String(text.dropFirst(3)) : text
        guard let signal = BotSignal(rawValue: name) else {
            reader.error(node, "expected signal to be TERM, INT or KILL, found '\(text)'")
            return nil
        }
        return signal
    }

    static func checkUser(_ node: Node, reader: NodeReader, context: StepContext) -> Int64? {
        guard let id = reader.int64(node, "user") else { return nil }
        if !context.users.contains(id) {
            let known = context.users.sorted().map(String.init).joined(separator: ", ")
            reader.error(node, "user \(id) is not declared in 'users'; declared: \(known.isEmpty ? "none" : known)")
            return nil
        }
        return id
    }

    static func readSend(_ node: Node, reader: NodeReader, context: StepContext) -> SendStep? {
        let payloadKeys = ["text", "location", "callback", "raw"]
        guard let fields = reader.mapping(node, "send", allowed: ["user"] + payloadKeys) else { return nil }
        let given = fields.order.filter(payloadKeys.contains)
        guard given.count == 1, let kind = given.first, let value = fields[kind] else {
            reader.error(node, given.isEmpty ? "send needs one of: text, location, callback, raw" : "send takes one of text, location, callback, raw; found \(given.joined(separator: " and "))")
            return nil
        }
        var user: Int64?
        if let userNode = fields["user"] {
            guard let id = checkUser(userNode, reader: reader, context: context) else { return nil }
            user = id
        } else if kind != "raw" {
            reader.error(node, "send with \(kind) needs 'user'")
            return nil
        }
        switch kind {
        case "text":
            return reader.string(value, "send.text").map { SendStep(user: user, payload: .text($0)) }
        case "location":
            guard let items = reader.list(value, "send.location") else { return nil }
            guard items.count == 2 else {
                reader.error(value, "expected send.location as [latitude, longitude], found \(items.count) values")
                return nil
            }
            // Out-of-range coordinates are allowed on purpose: the bot must answer them clearly.
            guard let latitude = reader.double(items[0], "latitude"), let longitude = reader.double(items[1], "longitude") else { return nil }
            return SendStep(user: user, payload: .location(latitude: latitude, longitude: longitude))
        case "callback":
            guard let callback = reader.mapping(value, "send.callback", allowed: ["data", "message_id"], required: ["data"]),
                  let data = callback["data"].flatMap({ reader.string($0, "callback data") })
            else { return nil }
            return SendStep(user: user, payload: .callback(data: data, messageID: callback["message_id"].flatMap { reader.int64($0, "message_id") }))
        default:
            guard case .mapping = value else {
                reader.error(value, "expected send.raw as a mapping (an update without update_id), found \(reader.kind(value))")
                return nil
            }
            if value["update_id"] != nil {
                reader.error(value, "send.raw must not carry update_id; the fake assigns it")
                return nil
            }
            guard let json = jsonText(value) else {
                reader.error(value, "send.raw cannot be represented as JSON")
                return nil
            }
            return SendStep(user: user, payload: .raw(json: json))
        }
    }

    /// Converts a YAML node into JSON text, keeping numbers, booleans and nulls as such.
    static func jsonText(_ node: Node) -> String? {
        func value(_ node: Node) -> Any {
            switch node {
            case .mapping(let mapping):
                var object: [String: Any] = [:]
                for (key, item) in mapping { object[key.string ?? "\(key)"] = value(item) }
                return object
            case .sequence(let sequence): return sequence.map(value)
            case .alias: return NSNull()
            case .scalar(let scalar):
                if scalar.style != .plain { return scalar.string }
                if let int = Int64(scalar.string) { return int }
                if let double = Double(scalar.string), !scalar.string.isEmpty, double.isFinite { return double }
                switch scalar.string {
                case "true": return true
                case "false": return false
                case "null", "~", "": return NSNull()
                default: return scalar.string
                }
            }
        }
        guard let data = try? JSONSerialization.data(withJSONObject: value(node), options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func readFault(_ node: Node, reader: NodeReader) -> ScenarioFault? {
        let keys = ["target", "match", "respond", "delay", "action", "times", "after", "probability"]
        guard let fields = reader.mapping(node, "fault", allowed: keys, required: ["target", "match"]) else { return nil }
        guard let target = fields["target"].flatMap({ reader.choice($0, "fault.target", FaultTarget.self) }) else { return nil }
        var match: String?
        if let matchNode = fields["match"] {
            let key = target == .telegram ? "method" : "operation"
            let options = target == .telegram ? ScenarioFault.telegramMethods : ScenarioFault.sheetsOperations
            if let matchFields = reader.mapping(matchNode, "fault.match for \(target.rawValue)", allowed: [key], required: [key]) {
                match = matchFields[key].flatMap { reader.oneOf($0, "fault.match.\(key) for \(target.rawValue)", options) }
            }
        }
        var rule = ScenarioFault(target: target, match: match ?? "")
        if let respond = fields["respond"], let respondFields = reader.mapping(respond, "fault.respond", allowed: ["status", "body", "retry_after"]) {
            rule.status = respondFields["status"].flatMap { reader.int($0, "respond.status", range: 100...599) }
            rule.body = respondFields["body"].flatMap { reader.scalar($0, "respond.body") }
            rule.retryAfter = respondFields["retry_after"].flatMap { reader.int($0, "respond.retry_after", range: 1...3600) }
            if respondFields["status"] == nil { reader.error(respond, "fault.respond needs 'status'") }
        }
        rule.delay = fields["delay"].flatMap { reader.duration($0, "fault.delay") }
        rule.action = fields["action"].flatMap { reader.choice($0, "fault.action", FaultAction.self) }
        rule.times = fields["times"].flatMap { reader.int($0, "fault.times", range: 1...1_000_000) }
        rule.after = fields["after"].flatMap { reader.int($0, "fault.after", range: 0...1_000_000) }
        rule.probability = fields["probability"].flatMap { reader.double($0, "fault.probability", range: 0...1) }
        if fields["respond"] == nil, fields["delay"] == nil, fields["action"] == nil {
            reader.error(node, "a fault needs at least one of respond, delay or action; otherwise it changes nothing")
        }
        return match == nil ? nil : rule
    }

    static func readFlood(_ node: Node, reader: NodeReader) -> FloodStep? {
        guard let fields = reader.mapping(node, "flood", allowed: ["users", "messages", "concurrency", "text", "checkin", "padding"], required: ["users", "messages"]) else { return nil }
        let users = fields["users"].flatMap { reader.int($0, "flood.users", range: 1...100_000) }
        let messages = fields["messages"].flatMap { reader.int($0, "flood.messages", range: 1...10_000) }
        let concurrency = fields["concurrency"].flatMap { reader.int($0, "flood.concurrency", range: 1...256) } ?? 8
        var content: FloodStep.Content?
        switch (fields["text"], fields["checkin"]) {
        case (let text?, nil): content = reader.string(text, "flood.text").map(FloodStep.Content.text)
        case (nil, let checkIn?): if reader.bool(checkIn, "flood.checkin") == true { content = .checkIn } else { reader.error(checkIn, "flood.checkin can only be true; use text for plain messages") }
        case (nil, nil): reader.error(node, "flood needs 'text' (a message each user sends) or 'checkin: true' (a whole check-in)")
        default: reader.error(node, "flood takes 'text' or 'checkin', not both")
        }
        var padding: Int?
        if let node = fields["padding"], let bytes = reader.bytes(node, "flood.padding") {
            if bytes > FloodStep.maximumPadding {
                reader.error(node, "expected flood.padding of at most \(FloodStep.maximumPadding) bytes (the bot refuses webhook bodies over 1 MiB), found \(bytes)")
            } else if case .checkIn? = content {
                reader.error(node, "flood.padding pads a text; use it with 'text', not 'checkin'")
            } else {
                padding = Int(bytes)
            }
        }
        guard let users, let messages, let content else { return nil }
        return FloodStep(users: users, messages: messages, concurrency: concurrency, content: content, padding: padding)
    }

    static func readHTTP(_ node: Node, reader: NodeReader) -> HTTPStep? {
        guard let fields = reader.mapping(node, "http", allowed: ["method", "path", "credential", "body", "body_size", "body_nesting", "expect_status", "target", "instance"], required: ["path"]) else { return nil }
        let method = fields["method"].flatMap { reader.oneOf($0, "http.method", ["GET", "POST"]) } ?? "POST"
        guard let path = fields["path"].flatMap({ reader.string($0, "http.path") }) else { return nil }
        if !path.hasPrefix("/") { reader.error(fields["path"]!, "expected http.path to start with '/', found '\(path)'"); return nil }
        if [fields["body"], fields["body_size"], fields["body_nesting"]].compactMap({ $0 }).count > 1 {
            reader.error(node, "http takes one of 'body', 'body_size' and 'body_nesting'")
        }
        return HTTPStep(
            method: method, path: path,
            credential: fields["credential"].flatMap { reader.choice($0, "http.credential", HTTPStep.Credential.self) } ?? .valid,
            body: fields["body"].flatMap { reader.scalar($0, "http.body") },
            bodySize: fields["body_size"].flatMap { reader.bytes($0, "http.body_size") },
            bodyNesting: fields["body_nesting"].flatMap { reader.int($0, "http.body_nesting", range: 1...100_000) },
            expectStatus: fields["expect_status"].flatMap { reader.int($0, "http.expect_status", range: 100...599) },
            target: fields["target"].flatMap { reader.choice($0, "http.target", HTTPTarget.self) } ?? .bot)
    }
}
