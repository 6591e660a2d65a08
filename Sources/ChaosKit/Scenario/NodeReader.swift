import Foundation
import Yams
import MetroSupport

/// Reads a Yams node tree into typed values, recording a diagnostic — with the node's
/// line and column and what was expected — for every problem instead of stopping at the first.
final class NodeReader {
    /// The file being read, for locations.
    let file: String
    /// Everything wrong so far, in the order found.
    private(set) var diagnostics: [ScenarioDiagnostic] = []

    init(file: String) {
        self.file = file
    }

    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func error(_ node: Node, _ message: String) {
        diagnostics.append(ScenarioDiagnostic(location: location(node), message: message))
    }

    func error(at location: SourceLocation, _ message: String) {
        diagnostics.append(ScenarioDiagnostic(location: location, message: message))
    }

    /// A short description of what a node is, for "found …" in messages.
    func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull(node) { return "nothing (null)" }
            return "'\(scalar.string)'"
        }
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    // MARK: Mappings

    /// Reads a mapping whose keys must all be in `allowed` and must include `required`.
    /// A null node reads as an empty mapping when `nullIsEmpty` (so `start_bot:` works).
    func mapping(_ node: Node, _ what: String, allowed: [String], required: [String] = [], nullIsEmpty: Bool = false) -> Fields? {
        if nullIsEmpty, isNull(node) {
            for key in required { error(node, "\(what) needs '\(key)'") }
            return required.isEmpty ? Fields(node: node, values: [:], order: []) : nil
        }
        guard case .mapping(let mapping) = node else {
            error(node, "expected \(what) as a mapping with keys \(allowed.joined(separator: ", ")), found \(kind(node))")
            return nil
        }
        var values: [String: Node] = [:]
        var order: [String] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                error(keyNode, "expected a plain key in \(what), found \(kind(keyNode))")
                continue
            }
            let key = scalar.string
            guard allowed.contains(key) else {
                error(keyNode, "unknown key '\(key)' in \(what)\(suggestion(for: key, among: allowed)); expected one of: \(allowed.joined(separator: ", "))")
                continue
            }
            values[key] = value
            order.append(key)
        }
        for key in required where values[key] == nil {
            error(node, "\(what) needs '\(key)'")
        }
        return Fields(node: node, values: values, order: order)
    }

    /// Reads a mapping with free-form keys (environment, health fields) in file order.
    func pairs(_ node: Node, _ what: String) -> [(key: String, keyNode: Node, value: Node)]? {
        if isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            error(node, "expected \(what) as a mapping, found \(kind(node))")
            return nil
        }
        var result: [(String, Node, Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                error(keyNode, "expected a plain key in \(what), found \(kind(keyNode))")
                continue
            }
            result.append((scalar.string, keyNode, value))
        }
        return result
    }

    func list(_ node: Node, _ what: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            error(node, "expected \(what) as a list, found \(kind(node))")
            return nil
        }
        return Array(sequence)
    }

    // MARK: Scalars

    func scalar(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, !isNull(node) else {
            error(node, "expected \(what) as a single value, found \(kind(node))")
            return nil
        }
        return scalar.string
    }

    func string(_ node: Node, _ what: String, nonEmpty: Bool = true) -> String? {
        guard let text = scalar(node, what) else { return nil }
        if nonEmpty, text.trimmingCharacters(in: .whitespaces).isEmpty {
            error(node, "expected \(what) as non-empty text")
            return nil
        }
        return text
    }

    func int(_ node: Node, _ what: String, range: ClosedRange<Int>? = nil) -> Int? {
        guard let text = scalar(node, what) else { return nil }
        guard let value = Int(text) else {
            error(node, "expected \(what) as an integer, found '\(text)'")
            return nil
        }
        if let range, !range.contains(value) {
            error(node, "expected \(what) between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    func int64(_ node: Node, _ what: String) -> Int64? {
        guard let text = scalar(node, what) else { return nil }
        guard let value = Int64(text) else {
            error(node, "expected \(what) as an integer, found '\(text)'")
            return nil
        }
        return value
    }

    func double(_ node: Node, _ what: String, range: ClosedRange<Double>? = nil) -> Double? {
        guard let text = scalar(node, what) else { return nil }
        guard let value = Double(text), value.isFinite else {
            error(node, "expected \(what) as a number, found '\(text)'")
            return nil
        }
        if let range, !range.contains(value) {
            error(node, "expected \(what) between \(ValueMatcher.number(range.lowerBound)) and \(ValueMatcher.number(range.upperBound)), found \(text)")
            return nil
        }
        return value
    }

    func bool(_ node: Node, _ what: String) -> Bool? {
        guard let text = scalar(node, what) else { return nil }
        switch text {
        case "true", "True", "TRUE", "yes", "on": return true
        case "false", "False", "FALSE", "no", "off": return false
        default:
            error(node, "expected \(what) as true or false, found '\(text)'")
            return nil
        }
    }

    func duration(_ node: Node, _ what: String, positive: Bool = true) -> Duration? {
        guard let text = scalar(node, what) else { return nil }
        guard let value = DurationText.parse(text) else {
            error(node, "expected \(what) as a duration such as 250ms, 15s, 30m or 2h, found '\(text)'")
            return nil
        }
        if positive, value == .zero {
            error(node, "expected \(what) to be longer than 0, found '\(text)'")
            return nil
        }
        return value
    }

    func bytes(_ node: Node, _ what: String) -> Int64? {
        guard let text = scalar(node, what) else { return nil }
        guard let value = ByteSize.parse(text), value > 0 else {
            error(node, "expected \(what) as a positive size such as 67108864, 512KiB or 64MiB, found '\(text)'")
            return nil
        }
        return value
    }

    func choice<E: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, _ type: E.Type) -> E? where E.RawValue == String {
        guard let text = scalar(node, what) else { return nil }
        guard let value = E(rawValue: text) else {
            let options = E.allCases.map(\.rawValue)
            error(node, "expected \(what) to be one of \(options.joined(separator: ", ")), found '\(text)'\(suggestion(for: text, among: options))")
            return nil
        }
        return value
    }

    func oneOf(_ node: Node, _ what: String, _ options: [String]) -> String? {
        guard let text = scalar(node, what) else { return nil }
        guard options.contains(text) else {
            error(node, "expected \(what) to be one of \(options.joined(separator: ", ")), found '\(text)'\(suggestion(for: text, among: options))")
            return nil
        }
        return text
    }

    func stringList(_ node: Node, _ what: String) -> [String]? {
        guard let items = list(node, what) else { return nil }
        let strings = items.compactMap { string($0, "each of \(what)") }
        return strings.count == items.count ? strings : nil
    }

    func regex(_ node: Node, _ what: String) -> String? {
        guard let pattern = string(node, what) else { return nil }
        do {
            _ = try NSRegularExpression(pattern: pattern)
            return pattern
        } catch {
            self.error(node, "expected \(what) as a valid regular expression; '\(pattern)' does not compile")
            return nil
        }
    }

    // MARK: Suggestions

    func suggestion(for word: String, among options: [String]) -> String {
        let scored = options.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return "" }
        return " (did you mean '\(best.0)'?)"
    }

    private func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// The keys of a mapping read by ``NodeReader/mapping(_:_:allowed:required:nullIsEmpty:)``.
struct Fields {
    /// The mapping node itself, for errors about the whole mapping.
    let node: Node
    let values: [String: Node]
    /// Keys in file order.
    let order: [String]

    subscript(key: String) -> Node? { values[key] }

    /// The same fields without `key`: for a key such as `instance` that is read apart from the
    /// check it sits in, so "needs at least one of …" still counts only the check's own keys.
    func without(_ key: String) -> Fields {
        var values = values
        values[key] = nil
        return Fields(node: node, values: values, order: order.filter { $0 != key })
    }
}
