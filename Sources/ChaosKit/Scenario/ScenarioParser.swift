import Foundation
import Yams

/// Turns the text of a scenario file into a ``Scenario``, reporting every problem in the file
/// (with line and column and what was expected) rather than only the first.
public enum ScenarioParser {
    static let topLevelKeys = ["name", "description", "tags", "timeout", "store", "bot", "users", "sites", "steps", "steady_state", "expect"]

    /// Parses one file's text.
    /// - Parameters:
    ///   - yaml: The file's contents.
    ///   - file: The path used in diagnostics.
    /// - Throws: ``ScenarioValidationError`` with every problem found.
    public static func parse(_ yaml: String, file: String) throws(ScenarioValidationError) -> Scenario {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ScenarioValidationError(diagnostics: [
                    ScenarioDiagnostic(location: SourceLocation(file: file, line: 1, column: 1), message: "the file is empty; expected a scenario mapping with \(topLevelKeys.joined(separator: ", "))"),
                ])
            }
            root = node
        } catch let error as ScenarioValidationError {
            throw error
        } catch {
            throw ScenarioValidationError(diagnostics: [yamlDiagnostic(error, file: file)])
        }
        let reader = NodeReader(file: file)
        let scenario = read(root, reader: reader)
        if let scenario, reader.diagnostics.isEmpty { return scenario }
        throw ScenarioValidationError(diagnostics: reader.diagnostics)
    }

    static func yamlDiagnostic(_ error: any Error, file: String) -> ScenarioDiagnostic {
        func at(_ mark: Mark, _ message: String) -> ScenarioDiagnostic {
            ScenarioDiagnostic(location: SourceLocation(file: file, line: mark.line, column: mark.column), message: message)
        }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _), .composer(let context, let problem, let mark, _):
            let contextText = context.map { " (\($0.text))" } ?? ""
            return at(mark, "invalid YAML: \(problem)\(contextText)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return at(context.mark, "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in a mapping; each key may appear once")
        case .reader(let problem, _, _, _):
            return ScenarioDiagnostic(location: SourceLocation(file: file, line: 1, column: 1), message: "cannot read the file as UTF-8 text: \(problem)")
        default:
            return ScenarioDiagnostic(location: SourceLocation(file: file, line: 1, column: 1), message: "invalid YAML: \(error)")
        }
    }

    static func read(_ root: Node, reader: NodeReader) -> Scenario? {
        guard let fields = reader.mapping(root, "a scenario", allowed: topLevelKeys, required: ["name", "description", "steps"]) else { return nil }
        var name: String?
        if let node = fields["name"], let text = reader.string(node, "name") {
            if text.range(of: "^[a-z0-9][a-z0-9-]*$", options: .regularExpression) == nil {
                reader.error(node, "expected name in lowercase letters, digits and dashes (like 'sigterm-mid-request'), found '\(text)'")
            } else {
                name = text
            }
        }
        let description = fields["description"].flatMap { reader.string($0, "description") }
        let tags = fields["tags"].flatMap { reader.stringList($0, "tags") } ?? []
        let timeout = fields["timeout"].flatMap { reader.duration($0, "timeout") } ?? .seconds(60)
        let store = fields["store"].flatMap { reader.choice($0, "store", BotStore.self) }
        let bot = fields["bot"].flatMap { readBot($0, reader: reader) } ?? BotSettings()
        let users = fields["users"].flatMap { readUsers($0, reader: reader) } ?? []
        let sites = fields["sites"].flatMap { readSites($0, reader: reader) } ?? ScenarioSite.defaults

        var context = StepContext(users: Set(users.map(\.id)))
        var steps: [ScenarioStep] = []
        if let node = fields["steps"], let items = reader.list(node, "steps") {
            if items.isEmpty { reader.error(node, "expected at least one step") }
            for item in items {
                if let step = readStep(item, reader: reader, context: &context) { steps.append(step) }
            }
        }
        if store != .postgres, let outage = steps.first(where: { if case .storeOutage = $0.action { true } else { false } }) {
            reader.error(at: outage.location, "store_outage cuts off the scenario's PostgreSQL database; add 'store: postgres' to the scenario")
        }
        var steadyState: [Expectation] = []
        if let node = fields["steady_state"], let items = reader.list(node, "steady_state") {
            steadyState = items.compactMap { readExpectation($0, reader: reader, context: context) }
        }
        var expectations: [Expectation] = []
        if let node = fields["expect"], let items = reader.list(node, "expect") {
            expectations = items.compactMap { readExpectation($0, reader: reader, context: context) }
        }
        if fields["expect"] == nil, fields["steady_state"] == nil {
            reader.error(root, "a scenario needs 'expect' (or 'steady_state'): a scenario that checks nothing proves nothing")
        }
        guard let name, let description else { return nil }
        let nameLocation = fields["name"].map(reader.location) ?? reader.location(root)
        return Scenario(name: name, description: description, tags: tags, timeout: timeout, bot: bot, users: users, sites: sites,
                        steps: steps, steadyState: steadyState, expectations: expectations, store: store, location: nameLocation)
    }

    static func readBot(_ node: Node, reader: NodeReader) -> BotSettings? {
        guard let fields = reader.mapping(node, "bot", allowed: ["mode", "env"]) else { return nil }
        let mode = fields["mode"].flatMap { reader.choice($0, "bot.mode", BotSettings.Mode.self) } ?? .webhook
        let env = fields["env"].flatMap { readEnvironment($0, "bot.env", reader: reader) } ?? [:]
        return BotSettings(mode: mode, env: env)
    }

    static func readEnvironment(_ node: Node, _ what: String, reader: NodeReader) -> [String: String]? {
        guard let pairs = reader.pairs(node, what) else { return nil }
        var env: [String: String] = [:]
        for pair in pairs {
            if pair.key.range(of: "^[A-Z_][A-Z0-9_]*$", options: .regularExpression) == nil {
                reader.error(pair.keyNode, "expected an environment variable name in capitals (like SHUTDOWN_GRACE) in \(what), found '\(pair.key)'")
                continue
            }
            if let value = reader.scalar(pair.value, "\(what).\(pair.key)") { env[pair.key] = value }
        }
        return env
    }

    static func readUsers(_ node: Node, reader: NodeReader) -> [ScenarioUser]? {
        guard let items = reader.list(node, "users") else { return nil }
        var users: [ScenarioUser] = []
        for item in items {
            guard let fields = reader.mapping(item, "a user", allowed: ["id", "first_name", "username"], required: ["id"]) else { continue }
            guard let id = fields["id"].flatMap({ reader.int64($0, "user id") }) else { continue }
            if id <= 0 { reader.error(fields["id"]!, "expected a positive user id, found \(id)"); continue }
            if users.contains(where: { $0.id == id }) { reader.error(fields["id"]!, "user \(id) is listed twice; each user id may appear once"); continue }
            users.append(ScenarioUser(id: id, firstName: fields["first_name"].flatMap { reader.string($0, "first_name") },
                                      username: fields["username"].flatMap { reader.string($0, "username") }))
        }
        return users
    }

    static func readSites(_ node: Node, reader: NodeReader) -> [ScenarioSite]? {
        guard let items = reader.list(node, "sites") else { return nil }
        var sites: [ScenarioSite] = []
        for item in items {
            guard let fields = reader.mapping(item, "a site", allowed: ["name", "latitude", "longitude", "radius_m"], required: ["name", "latitude", "longitude", "radius_m"]),
                  let name = fields["name"].flatMap({ reader.string($0, "site name") }),
                  let latitude = fields["latitude"].flatMap({ reader.double($0, "latitude", range: -90...90) }),
                  let longitude = fields["longitude"].flatMap({ reader.double($0, "longitude", range: -180...180) }),
                  let radius = fields["radius_m"].flatMap({ reader.double($0, "radius_m", range: 0...20_000_000) })
            else { continue }
            sites.append(ScenarioSite(name: name, latitude: latitude, longitude: longitude, radiusM: radius))
        }
        return sites
    }
}

/// What the parser knows while reading steps: declared users, names saved so far and the bot
/// instances started so far.
struct StepContext {
    var users: Set<Int64>
    var saved: Set<String> = []
    var started: Set<String> = []
    var sawFault = false
}
