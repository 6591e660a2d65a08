import Foundation
import Yams
import MetroSupport

/// Writes a ``Scenario`` as scenario YAML (docs/SCENARIOS.md) through Yams, so that what
/// `chaos explore` found is an ordinary file that `chaos validate` accepts and `chaos run` replays.
/// ``ScenarioParser`` reads back what this writes (a round trip the tests check).
public enum ScenarioWriter {
    /// The YAML text of `scenario`, with `header` as comment lines on top.
    public static func yaml(_ scenario: Scenario, header: [String] = []) throws -> String {
        var pairs: [(Node, Node)] = [
            (key("name"), text(scenario.name)),
            (key("description"), text(scenario.description)),
        ]
        if !scenario.tags.isEmpty { pairs.append((key("tags"), flowList(scenario.tags.map(text)))) }
        pairs.append((key("timeout"), text(DurationText.format(scenario.timeout))))
        if let store = scenario.store { pairs.append((key("store"), text(store.rawValue))) }
        var bot: [(Node, Node)] = [(key("mode"), text(scenario.bot.mode.rawValue))]
        if !scenario.bot.env.isEmpty { bot.append((key("env"), environment(scenario.bot.env))) }
        pairs.append((key("bot"), flowMap(bot)))
        if !scenario.users.isEmpty {
            pairs.append((key("users"), list(scenario.users.map { user in
                var fields: [(Node, Node)] = [(key("id"), number(user.id)), (key("first_name"), text(user.firstName))]
                if let username = user.username { fields.append((key("username"), text(username))) }
                return flowMap(fields)
            })))
        }
        if scenario.sites != ScenarioSite.defaults {
            pairs.append((key("sites"), list(scenario.sites.map { site in
                flowMap([(key("name"), text(site.name)), (key("latitude"), number(site.latitude)), (key("longitude"), number(site.longitude)), (key("radius_m"), number(site.radiusM))])
            })))
        }
        pairs.append((key("steps"), list(scenario.steps.map(step))))
        if !scenario.steadyState.isEmpty { pairs.append((key("steady_state"), list(scenario.steadyState.map(expectation)))) }
        pairs.append((key("expect"), list(scenario.expectations.map(expectation))))
        let body = try Yams.serialize(node: .mapping(Node.Mapping(pairs, .implicit, .block)), indent: 2, width: -1, allowUnicode: true)
        return header.map { "# " + $0 + "\n" }.joined() + body
    }

    // MARK: Nodes

    static func key(_ name: String) -> Node { .scalar(Node.Scalar(name)) }

    /// A string; quoted when it would otherwise read as null.
    static func text(_ value: String) -> Node {
        let ambiguous = value.isEmpty || ["null", "~", "Null", "NULL"].contains(value)
        return .scalar(Node.Scalar(value, .implicit, ambiguous ? .doubleQuoted : .any))
    }

    static func number(_ value: Int64) -> Node { .scalar(Node.Scalar(String(value), .implicit, .plain)) }
    static func number(_ value: Int) -> Node { number(Int64(value)) }
    static func number(_ value: Double) -> Node {
        .scalar(Node.Scalar(value == value.rounded() && abs(value) < 1e15 ? String(format: "%.1f", value) : String(value), .implicit, .plain))
    }

    static func bool(_ value: Bool) -> Node { .scalar(Node.Scalar(value ? "true" : "false", .implicit, .plain)) }
    static func duration(_ value: Duration) -> Node { text(DurationText.format(value)) }
    static func bytes(_ value: Int64) -> Node {
        if value > 0, value % (1 << 20) == 0 { return text("\(value >> 20)MiB") }
        if value > 0, value % (1 << 10) == 0 { return text("\(value >> 10)KiB") }
        return number(value)
    }

    static func flowMap(_ pairs: [(Node, Node)]) -> Node { .mapping(Node.Mapping(pairs, .implicit, .flow)) }
    static func flowList(_ nodes: [Node]) -> Node { .sequence(Node.Sequence(nodes, .implicit, .flow)) }
    static func list(_ nodes: [Node]) -> Node { .sequence(Node.Sequence(nodes, .implicit, .block)) }
    static func single(_ name: String, _ value: Node) -> Node { flowMap([(key(name), value)]) }

    static func environment(_ env: [String: String]) -> Node {
        flowMap(env.sorted { $0.key < $1.key }.map { (key($0.key), text($0.value)) })
    }

    /// A JSON value as YAML (strings always quoted, so that `"1"` stays a string).
    static func json(_ value: Any) -> Node {
        switch value {
        case let object as [String: Any]:
            return flowMap(object.sorted { $0.key < $1.key }.map { (key($0.key), json($0.value)) })
        case let array as [Any]:
            return flowList(array.map(json))
        case let string as String:
            return .scalar(Node.Scalar(string, .implicit, .doubleQuoted))
        case is NSNull:
            return .scalar(Node.Scalar("null", .implicit, .plain))
        default:
            return .scalar(Node.Scalar(JSONFields.text(value), .implicit, .plain))
        }
    }

    // MARK: Steps

    static func step(_ step: ScenarioStep) -> Node {
        var body = action(step.action)
        if step.instance != BotInstanceName.default {
            if case .signal(let signal) = step.action { body = flowMap([(key("signal"), text(signal.rawValue))]) }
            body = naming(step.instance, body)
        }
        var pairs: [(Node, Node)] = [(key(step.action.keyword), body)]
        if let name = step.saveAs { pairs.append((key("save_as"), text(name))) }
        return .mapping(Node.Mapping(pairs, .implicit, .block))
    }

    /// `body` (a flow mapping) with `instance: name` as its first key.
    static func naming(_ instance: String, _ body: Node) -> Node {
        guard case .mapping(let mapping) = body else { return body }
        return flowMap([(key("instance"), text(instance))] + mapping.map { ($0.key, $0.value) })
    }

    static func action(_ action: StepAction) -> Node {
        switch action {
        case .startBot(let env):
            return flowMap(env.isEmpty ? [] : [(key("env"), environment(env))])
        case .stopBot(let signal, let timeout):
            return flowMap([(key("signal"), text(signal.rawValue)), (key("timeout"), duration(timeout))])
        case .restartBot(let signal, let timeout, let env):
            var pairs = [(key("signal"), text(signal.rawValue)), (key("timeout"), duration(timeout))]
            if !env.isEmpty { pairs.append((key("env"), environment(env))) }
            return flowMap(pairs)
        case .signal(let signal):
            return text(signal.rawValue)
        case .send(let send):
            var pairs: [(Node, Node)] = []
            if let user = send.user { pairs.append((key("user"), number(user))) }
            switch send.payload {
            case .text(let value): pairs.append((key("text"), text(value)))
            case .location(let latitude, let longitude): pairs.append((key("location"), flowList([number(latitude), number(longitude)])))
            case .callback(let data, let messageID):
                var callback = [(key("data"), text(data))]
                if let messageID { callback.append((key("message_id"), number(messageID))) }
                pairs.append((key("callback"), flowMap(callback)))
            case .raw(let body):
                let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) ?? [:]
                pairs.append((key("raw"), json(object)))
            }
            return flowMap(pairs)
        case .fault(let rule):
            var pairs: [(Node, Node)] = [
                (key("target"), text(rule.target.rawValue)),
                (key("match"), single(rule.target == .telegram ? "method" : "operation", text(rule.match))),
            ]
            if let status = rule.status {
                var respond = [(key("status"), number(status))]
                if let body = rule.body { respond.append((key("body"), text(body))) }
                if let retryAfter = rule.retryAfter { respond.append((key("retry_after"), number(retryAfter))) }
                pairs.append((key("respond"), flowMap(respond)))
            }
            if let delay = rule.delay { pairs.append((key("delay"), duration(delay))) }
            if let action = rule.action { pairs.append((key("action"), text(action.rawValue))) }
            if let times = rule.times { pairs.append((key("times"), number(times))) }
            if let after = rule.after { pairs.append((key("after"), number(after))) }
            if let probability = rule.probability { pairs.append((key("probability"), number(probability))) }
            return flowMap(pairs)
        case .clearFaults(let target):
            return target.map { text($0.rawValue) } ?? flowMap([])
        case .webhookOutage(let down), .storeOutage(let down):
            return text(down ? "on" : "off")
        case .flood(let flood):
            var pairs = [(key("users"), number(flood.users)), (key("messages"), number(flood.messages)), (key("concurrency"), number(flood.concurrency))]
            switch flood.content {
            case .text(let value): pairs.append((key("text"), text(value)))
            case .checkIn: pairs.append((key("checkin"), bool(true)))
            }
            if let padding = flood.padding { pairs.append((key("padding"), bytes(Int64(padding)))) }
            return flowMap(pairs)
        case .memoryLimit(let limit):
            return bytes(limit)
        case .sleep(let value):
            return duration(value)
        case .waitUntil(let condition, let timeout):
            return flowMap([self.condition(condition), (key("timeout"), duration(timeout))])
        case .http(let request):
            var pairs = [(key("method"), text(request.method)), (key("path"), text(request.path)), (key("credential"), text(request.credential.rawValue))]
            if let body = request.body { pairs.append((key("body"), .scalar(Node.Scalar(body, .implicit, .singleQuoted)))) }
            if let size = request.bodySize { pairs.append((key("body_size"), bytes(size))) }
            if let depth = request.bodyNesting { pairs.append((key("body_nesting"), number(depth))) }
            if let status = request.expectStatus { pairs.append((key("expect_status"), number(status))) }
            if request.target != .bot { pairs.append((key("target"), text(request.target.rawValue))) }
            return flowMap(pairs)
        case .slowloris(let step):
            return flowMap([(key("connections"), number(step.connections)), (key("interval"), duration(step.interval))])
        }
    }

    static func condition(_ condition: WaitCondition) -> (Node, Node) {
        switch condition {
        case .health(let checks): return (key("health"), fieldChecks(checks))
        case .log(let regex): return (key("log"), text(regex))
        case .calls(let target, let method, let atLeast):
            return (key("calls"), flowMap([(key("target"), text(target.rawValue)), (key("method"), text(method)), (key("count"), number(atLeast))]))
        case .update(let id, let state):
            return (key("update"), flowMap([(key("id"), text(id.description)), (key("state"), text(state))]))
        case .sheetRows(let sheet, let atLeast):
            return (key("sheet_rows"), flowMap([(key("sheet"), text(sheet)), (key("count"), number(atLeast))]))
        case .sent(let chat, let contains):
            return (key("sent"), flowMap([(key("chat"), number(chat)), (key("contains"), text(contains))]))
        case .held(let target, let method):
            return (key("held"), flowMap([(key("target"), text(target.rawValue)), (key("method"), text(method))]))
        case .botExited: return (key("bot"), text("exited"))
        case .botListening: return (key("bot"), text("listening"))
        case .slowlorisClosed: return (key("slowloris"), text("closed"))
        }
    }

    // MARK: Expectations

    static func fieldChecks(_ checks: [FieldCheck]) -> Node {
        flowMap(checks.map { (key($0.path), matcher($0.matcher)) })
    }

    static func matcher(_ matcher: ValueMatcher) -> Node {
        switch matcher {
        case .equals(let value): return text(value)
        case .notEquals(let value): return single("not", text(value))
        case .atLeast(let value): return single("at_least", number(value))
        case .atMost(let value): return single("at_most", number(value))
        case .oneOf(let values): return single("one_of", flowList(values.map(text)))
        case .contains(let part): return single("contains", text(part))
        }
    }

    static func count(_ check: CountCheck) -> Node {
        if let exactly = check.exactly, check.atLeast == nil, check.atMost == nil { return number(exactly) }
        var pairs: [(Node, Node)] = []
        if let atLeast = check.atLeast { pairs.append((key("at_least"), number(atLeast))) }
        if let atMost = check.atMost { pairs.append((key("at_most"), number(atMost))) }
        return flowMap(pairs)
    }

    static func expectation(_ expectation: Expectation) -> Node {
        let value: Node
        switch expectation.kind {
        case .bot(let bot):
            var pairs: [(Node, Node)] = []
            if let code = bot.exitCode { pairs.append((key("exit_code"), number(Int(code)))) }
            if let within = bot.stoppedWithin { pairs.append((key("stopped_within"), duration(within))) }
            if let running = bot.running { pairs.append((key("running"), bool(running))) }
            value = flowMap(pairs)
        case .health(let checks):
            value = fieldChecks(checks)
        case .calls(let calls):
            var pairs = [(key("target"), text(calls.target.rawValue)), (key("method"), text(calls.method))]
            if let check = calls.count { pairs.append((key("count"), count(check))) }
            if let gaps = calls.gaps {
                var gapPairs: [(Node, Node)] = []
                if let atLeast = gaps.atLeast { gapPairs.append((key("at_least"), duration(atLeast))) }
                if let atMost = gaps.atMost { gapPairs.append((key("at_most"), duration(atMost))) }
                if gaps.increasing { gapPairs.append((key("increasing"), bool(true))) }
                pairs.append((key("gaps"), flowMap(gapPairs)))
            }
            value = flowMap(pairs)
        case .sheetRows(let rows):
            var pairs: [(Node, Node)] = [(key("sheet"), text(rows.sheet))]
            if let check = rows.count { pairs.append((key("count"), count(check))) }
            if let column = rows.noDuplicates { pairs.append((key("no_duplicates"), text(column))) }
            if !rows.values.isEmpty {
                pairs.append((key("values"), flowList(rows.values.map { row in
                    flowMap(SheetRowsExpectation.columns.compactMap { column in row[column].map { (key(column), .scalar(Node.Scalar($0, .implicit, .doubleQuoted))) } })
                })))
            }
            value = flowMap(pairs)
        case .sent(let sent):
            var pairs = [(key("chat"), number(sent.chat))]
            if let contains = sent.contains { pairs.append((key("contains"), text(contains))) }
            if let regex = sent.regex { pairs.append((key("regex"), text(regex))) }
            if let check = sent.count { pairs.append((key("count"), count(check))) }
            value = flowMap(pairs)
        case .log(let log):
            var pairs: [(Node, Node)] = []
            if let matches = log.matches { pairs.append((key("matches"), text(matches))) }
            if let never = log.neverMatches { pairs.append((key("never_matches"), text(never))) }
            if log.noSecrets { pairs.append((key("no_secrets"), bool(true))) }
            value = flowMap(pairs)
        case .peakRSS(let limit):
            value = single("at_most", bytes(limit))
        case .updates(let allConfirmed):
            value = single("all_confirmed", bool(allConfirmed))
        case .update(let id, let state):
            value = flowMap([(key("id"), text(id.description)), (key("state"), text(state))])
        case .deliveries(let check):
            var pairs: [(Node, Node)] = []
            if let exactly = check.exactly { pairs.append((key("count"), number(exactly))) }
            if let atLeast = check.atLeast { pairs.append((key("at_least"), number(atLeast))) }
            if let atMost = check.atMost { pairs.append((key("at_most"), number(atMost))) }
            value = flowMap(pairs)
        }
        let named = expectation.instance == BotInstanceName.default ? value : naming(expectation.instance, value)
        return single(expectation.kind.keyword, named)
    }
}
