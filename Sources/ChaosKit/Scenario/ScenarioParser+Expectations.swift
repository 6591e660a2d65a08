import Foundation
import Yams

extension ScenarioParser {
    static let conditionKeywords = ["health", "log", "calls", "update", "sheet_rows", "sent", "held", "bot", "slowloris"]
    static let expectationKeywords = ["bot", "health", "calls", "sheet_rows", "sent", "log", "peak_rss", "updates", "update", "deliveries"]
    /// The expectations that read one bot instance and so take `instance`.
    static let instanceExpectationKeywords = ["bot", "health", "log", "peak_rss", "deliveries"]
    static let updateStates = ["queued", "delivered", "confirmed"]
    static let matcherKeys = ["equals", "not", "at_least", "at_most", "one_of", "contains"]

    /// Every field `/health` reports (DESIGN.md "HTTP endpoints"), as dotted paths.
    public static let healthFields = [
        "status", "mode", "uptime_s", "version", "memory.rss_bytes", "memory.limit_bytes", "memory.percent",
        "cpu_percent", "disk_percent", "pending_actions", "outbox.queued", "outbox.oldest_age_s",
        "telegram.webhook_set", "telegram.last_error", "sheets.status", "sheets.circuit", "location.sites",
        "cleanup.last_run", "cleanup.removed_total", "reasons", "dead_letters.count", "dead_letters.last_at",
        "dead_letters.last_reason", "intake.retrying", "intake.oldest_update_id", "intake.failing_since", "intake.last_error",
    ]

    // MARK: wait_until

    static func readWait(_ node: Node, reader: NodeReader, context: StepContext) -> StepAction? {
        guard let fields = reader.mapping(node, "wait_until", allowed: conditionKeywords + ["timeout", "instance"], required: ["timeout"]) else { return nil }
        let timeout = fields["timeout"].flatMap { reader.duration($0, "wait_until.timeout") }
        let given = fields.order.filter { $0 != "timeout" && $0 != "instance" }
        guard given.count == 1, let keyword = given.first, let value = fields[keyword] else {
            reader.error(node, given.isEmpty ? "wait_until needs a condition, one of: \(conditionKeywords.joined(separator: ", "))" : "wait_until takes one condition; found \(given.joined(separator: " and ")) — use one wait_until step each")
            return nil
        }
        let condition: WaitCondition?
        switch keyword {
        case "health":
            condition = readFieldChecks(value, reader: reader).map(WaitCondition.health)
        case "log":
            condition = reader.regex(value, "wait_until.log").map { .log(regex: $0) }
        case "calls":
            guard let f = reader.mapping(value, "wait_until.calls", allowed: ["target", "method", "count"], required: ["target", "method", "count"]),
                  let target = f["target"].flatMap({ reader.choice($0, "calls.target", FaultTarget.self) }),
                  let method = f["method"].flatMap({ readMethod($0, target: target, reader: reader) }),
                  let count = f["count"].flatMap({ reader.int($0, "calls.count", range: 1...1_000_000) })
            else { return nil }
            condition = .calls(target: target, method: method, atLeast: count)
        case "update":
            guard let f = reader.mapping(value, "wait_until.update", allowed: ["id", "state"], required: ["id", "state"]),
                  let id = f["id"].flatMap({ readReference($0, reader: reader, context: context) }),
                  let state = f["state"].flatMap({ reader.oneOf($0, "update.state", updateStates) })
            else { return nil }
            condition = .update(id: id, state: state)
        case "sheet_rows":
            guard let f = reader.mapping(value, "wait_until.sheet_rows", allowed: ["sheet", "count"], required: ["count"]),
                  let count = f["count"].flatMap({ reader.int($0, "sheet_rows.count", range: 0...10_000_000) })
            else { return nil }
            condition = .sheetRows(sheet: f["sheet"].flatMap { reader.string($0, "sheet") } ?? "Attendance", atLeast: count)
        case "sent":
            guard let f = reader.mapping(value, "wait_until.sent", allowed: ["chat", "contains"], required: ["chat", "contains"]),
                  let chat = f["chat"].flatMap({ reader.int64($0, "sent.chat") }),
                  let text = f["contains"].flatMap({ reader.string($0, "sent.contains") })
            else { return nil }
            condition = .sent(chat: chat, contains: text)
        case "held":
            guard let f = reader.mapping(value, "wait_until.held", allowed: ["target", "method"], required: ["target", "method"]),
                  let target = f["target"].flatMap({ reader.choice($0, "held.target", FaultTarget.self) }),
                  let method = f["method"].flatMap({ readMethod($0, target: target, reader: reader) })
            else { return nil }
            condition = .held(target: target, method: method)
        case "slowloris":
            condition = reader.oneOf(value, "wait_until.slowloris", ["closed"]).map { _ in .slowlorisClosed }
        default: // bot
            guard let state = reader.oneOf(value, "wait_until.bot", ["exited", "listening"]) else { return nil }
            condition = state == "exited" ? .botExited : .botListening
        }
        guard let condition, let timeout else { return nil }
        return .waitUntil(condition, timeout: timeout)
    }

    static func readMethod(_ node: Node, target: FaultTarget, reader: NodeReader) -> String? {
        target == .telegram
            ? reader.oneOf(node, "a Telegram method", ScenarioFault.telegramMethods)
            : reader.oneOf(node, "a Sheets operation", ScenarioFault.sheetsOperations)
    }

    static func readReference(_ node: Node, reader: NodeReader, context: StepContext) -> ValueReference? {
        guard let text = reader.scalar(node, "an update id or $name") else { return nil }
        if text.hasPrefix("$") {
            let name = String(text.dropFirst())
            guard context.saved.contains(name) else {
                let known = context.saved.sorted().joined(separator: ", ")
                reader.error(node, "'\(text)' is not saved by an earlier step (save_as); saved so far: \(known.isEmpty ? "none" : known)")
                return nil
            }
            return .saved(name)
        }
        guard let value = Int64(text) else {
            reader.error(node, "expected an update id as an integer or $name, found '\(text)'")
            return nil
        }
        return .literal(value)
    }

    /// Reads `{mode: webhook, outbox: {queued: 0}, "memory.percent": {at_most: 80}}` into checks.
    /// `skipping` names keys that are not health fields (an expectation's `instance`).
    static func readFieldChecks(_ node: Node, reader: NodeReader, prefix: String = "", skipping: [String] = []) -> [FieldCheck]? {
        guard let pairs = reader.pairs(node, prefix.isEmpty ? "health" : "health.\(prefix)")?.filter({ !skipping.contains($0.key) }) else { return nil }
        if prefix.isEmpty, pairs.isEmpty { reader.error(node, "expected at least one health field, such as mode: webhook"); return nil }
        var checks: [FieldCheck] = []
        for pair in pairs {
            let path = prefix.isEmpty ? pair.key : "\(prefix).\(pair.key)"
            if case .mapping(let mapping) = pair.value, !mapping.keys.allSatisfy({ matcherKeys.contains($0.string ?? "") }) {
                if healthFields.contains(where: { $0.hasPrefix(path + ".") }) {
                    checks += readFieldChecks(pair.value, reader: reader, prefix: path) ?? []
                } else {
                    reader.error(pair.keyNode, "unknown health field '\(path)'\(reader.suggestion(for: path, among: healthFields)); expected one of: \(healthFields.joined(separator: ", "))")
                }
                continue
            }
            guard healthFields.contains(path) else {
                reader.error(pair.keyNode, "unknown health field '\(path)'\(reader.suggestion(for: path, among: healthFields)); expected one of: \(healthFields.joined(separator: ", "))")
                continue
            }
            if let matcher = readMatcher(pair.value, path, reader: reader) { checks.append(FieldCheck(path: path, matcher: matcher)) }
        }
        return checks
    }

    static func readMatcher(_ node: Node, _ what: String, reader: NodeReader) -> ValueMatcher? {
        if case .scalar = node { return reader.scalar(node, what).map(ValueMatcher.equals) }
        guard let fields = reader.mapping(node, what, allowed: matcherKeys) else { return nil }
        guard fields.order.count == 1, let key = fields.order.first, let value = fields[key] else {
            reader.error(node, "expected one comparison for \(what), one of: \(matcherKeys.joined(separator: ", "))")
            return nil
        }
        switch key {
        case "equals": return reader.scalar(value, "\(what).equals").map(ValueMatcher.equals)
        case "not": return reader.scalar(value, "\(what).not").map(ValueMatcher.notEquals)
        case "at_least": return reader.double(value, "\(what).at_least").map(ValueMatcher.atLeast)
        case "at_most": return reader.double(value, "\(what).at_most").map(ValueMatcher.atMost)
        case "contains": return reader.scalar(value, "\(what).contains").map(ValueMatcher.contains)
        default: return reader.stringList(value, "\(what).one_of").map(ValueMatcher.oneOf)
        }
    }

    static func readCount(_ node: Node, _ what: String, reader: NodeReader) -> CountCheck? {
        if case .scalar = node { return reader.int(node, what, range: 0...Int.max).map { CountCheck(exactly: $0) } }
        guard let fields = reader.mapping(node, what, allowed: ["at_least", "at_most"]) else { return nil }
        let check = CountCheck(atLeast: fields["at_least"].flatMap { reader.int($0, "\(what).at_least", range: 0...Int.max) },
                               atMost: fields["at_most"].flatMap { reader.int($0, "\(what).at_most", range: 0...Int.max) })
        if check.atLeast == nil, check.atMost == nil { reader.error(node, "expected \(what) as a number or {at_least: N, at_most: M}") ; return nil }
        return check
    }

    // MARK: Expectations

    static func readExpectation(_ node: Node, reader: NodeReader, context: StepContext) -> Expectation? {
        guard let fields = reader.mapping(node, "an expectation", allowed: expectationKeywords) else { return nil }
        guard fields.order.count == 1, let keyword = fields.order.first, let value = fields[keyword] else {
            reader.error(node, fields.order.isEmpty ? "an expectation needs one of: \(expectationKeywords.joined(separator: ", "))" : "an expectation checks one thing; found \(fields.order.joined(separator: " and ")) — write them as separate items")
            return nil
        }
        var instance: String? = BotInstanceName.default
        if instanceExpectationKeywords.contains(keyword), let instanceNode = value["instance"] {
            instance = readInstanceName(instanceNode, reader: reader, context: context, starting: false)
        } else if instanceExpectationKeywords.contains(keyword), let problem = unnamedInstanceProblem("expect.\(keyword)", context: context) {
            reader.error(value, problem)
        }
        let kind: ExpectationKind?
        switch keyword {
        case "bot":
            guard var f = reader.mapping(value, "expect.bot", allowed: ["instance", "exit_code", "stopped_within", "running"]) else { return nil }
            f = f.without("instance")
            let bot = BotExpectation(exitCode: f["exit_code"].flatMap { reader.int($0, "exit_code", range: 0...255) }.map(Int32.init),
                                     stoppedWithin: f["stopped_within"].flatMap { reader.duration($0, "stopped_within") },
                                     running: f["running"].flatMap { reader.bool($0, "running") })
            if f.order.isEmpty { reader.error(value, "expect.bot needs exit_code, stopped_within or running") }
            if bot.running == true, bot.exitCode != nil || bot.stoppedWithin != nil { reader.error(value, "expect.bot: running: true contradicts exit_code/stopped_within") }
            kind = .bot(bot)
        case "health":
            kind = readFieldChecks(value, reader: reader, skipping: ["instance"]).map(ExpectationKind.health)
        case "calls":
            guard let f = reader.mapping(value, "expect.calls", allowed: ["target", "method", "count", "gaps"], required: ["target", "method"]),
                  let target = f["target"].flatMap({ reader.choice($0, "calls.target", FaultTarget.self) }),
                  let method = f["method"].flatMap({ readMethod($0, target: target, reader: reader) })
            else { return nil }
            var gaps: GapCheck?
            if let gapNode = f["gaps"], let g = reader.mapping(gapNode, "calls.gaps", allowed: ["at_least", "at_most", "increasing"]) {
                gaps = GapCheck(atLeast: g["at_least"].flatMap { reader.duration($0, "gaps.at_least", positive: false) },
                                atMost: g["at_most"].flatMap { reader.duration($0, "gaps.at_most") },
                                increasing: g["increasing"].flatMap { reader.bool($0, "gaps.increasing") } ?? false)
                if g.order.isEmpty { reader.error(gapNode, "calls.gaps needs at_least, at_most or increasing") }
            }
            let count = f["count"].flatMap { readCount($0, "calls.count", reader: reader) }
            if f["count"] == nil, f["gaps"] == nil { reader.error(value, "expect.calls needs count or gaps") }
            kind = .calls(CallsExpectation(target: target, method: method, count: count, gaps: gaps))
        case "sheet_rows":
            guard let f = reader.mapping(value, "expect.sheet_rows", allowed: ["sheet", "count", "values", "no_duplicates"]) else { return nil }
            var expectation = SheetRowsExpectation(sheet: f["sheet"].flatMap { reader.string($0, "sheet") } ?? "Attendance")
            expectation.count = f["count"].flatMap { readCount($0, "sheet_rows.count", reader: reader) }
            if let valuesNode = f["values"], let rows = reader.list(valuesNode, "sheet_rows.values") {
                for row in rows {
                    guard let pairs = reader.pairs(row, "a row (column: value)") else { continue }
                    var values: [String: String] = [:]
                    for pair in pairs {
                        guard SheetRowsExpectation.columns.contains(pair.key) else {
                            reader.error(pair.keyNode, "unknown column '\(pair.key)'\(reader.suggestion(for: pair.key, among: SheetRowsExpectation.columns)); expected one of: \(SheetRowsExpectation.columns.joined(separator: ", "))")
                            continue
                        }
                        if let text = reader.scalar(pair.value, pair.key) { values[pair.key] = text }
                    }
                    expectation.values.append(values)
                }
            }
            if let column = f["no_duplicates"] {
                expectation.noDuplicates = reader.oneOf(column, "sheet_rows.no_duplicates (a column)", SheetRowsExpectation.columns)
            }
            if f.order.allSatisfy({ $0 == "sheet" }) { reader.error(value, "expect.sheet_rows needs count, values or no_duplicates") }
            kind = .sheetRows(expectation)
        case "sent":
            guard let f = reader.mapping(value, "expect.sent", allowed: ["chat", "contains", "regex", "count"], required: ["chat"]),
                  let chat = f["chat"].flatMap({ reader.int64($0, "sent.chat") })
            else { return nil }
            let sent = SentExpectation(chat: chat, contains: f["contains"].flatMap { reader.string($0, "sent.contains") },
                                       regex: f["regex"].flatMap { reader.regex($0, "sent.regex") },
                                       count: f["count"].flatMap { readCount($0, "sent.count", reader: reader) })
            if f["contains"] == nil, f["regex"] == nil, f["count"] == nil { reader.error(value, "expect.sent needs contains, regex or count") }
            kind = .sent(sent)
        case "log":
            guard var f = reader.mapping(value, "expect.log", allowed: ["instance", "matches", "never_matches", "no_secrets"]) else { return nil }
            f = f.without("instance")
            let log = LogExpectation(matches: f["matches"].flatMap { reader.regex($0, "log.matches") },
                                     neverMatches: f["never_matches"].flatMap { reader.regex($0, "log.never_matches") },
                                     noSecrets: f["no_secrets"].flatMap { reader.bool($0, "log.no_secrets") } ?? false)
            if f.order.isEmpty { reader.error(value, "expect.log needs matches, never_matches or no_secrets") }
            kind = .log(log)
        case "peak_rss":
            guard let f = reader.mapping(value, "expect.peak_rss", allowed: ["instance", "at_most"], required: ["at_most"]) else { return nil }
            kind = f["at_most"].flatMap { reader.bytes($0, "peak_rss.at_most") }.map { .peakRSS(atMost: $0) }
        case "updates":
            guard let f = reader.mapping(value, "expect.updates", allowed: ["all_confirmed"], required: ["all_confirmed"]) else { return nil }
            kind = f["all_confirmed"].flatMap { reader.bool($0, "updates.all_confirmed") }.map { .updates(allConfirmed: $0) }
        case "deliveries":
            guard let f = reader.mapping(value, "expect.deliveries", allowed: ["instance", "count", "at_least", "at_most"]) else { return nil }
            let check = CountCheck(exactly: f["count"].flatMap { reader.int($0, "deliveries.count", range: 0...Int.max) },
                                   atLeast: f["at_least"].flatMap { reader.int($0, "deliveries.at_least", range: 0...Int.max) },
                                   atMost: f["at_most"].flatMap { reader.int($0, "deliveries.at_most", range: 0...Int.max) })
            if check == CountCheck() { reader.error(value, "expect.deliveries needs count, at_least or at_most (like {instance: b, at_least: 1})") }
            if context.started.count < 2 {
                reader.error(value, "expect.deliveries counts what the front forwarded, and only a scenario that starts two or more instances has one")
            }
            kind = .deliveries(check)
        default: // update
            guard let f = reader.mapping(value, "expect.update", allowed: ["id", "state"], required: ["id", "state"]),
                  let id = f["id"].flatMap({ readReference($0, reader: reader, context: context) }),
                  let state = f["state"].flatMap({ reader.oneOf($0, "update.state", updateStates) })
            else { return nil }
            kind = .update(id: id, state: state)
        }
        guard let checked = kind, let instance else { return nil }
        return Expectation(kind: checked, instance: instance, location: reader.location(node))
    }
}
