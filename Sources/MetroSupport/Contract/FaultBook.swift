/// The fault rules a fake holds, with their counters: adding (validated, ids `fault-1`, `fault-2`,
/// …), removing, and choosing the rule that fires for a request. Both fakes keep one; the fake's
/// actor (or lock) guards it.
public struct FaultBook<Match: FaultMatching>: Sendable {
    /// A rule with its id and counters.
    public struct Entry: Sendable {
        /// `fault-N`, unique within the book.
        public let id: String
        /// The rule.
        public let rule: FaultRule<Match>
        /// Matching requests seen (while the rule could still fire).
        public fileprivate(set) var seen = 0
        /// Times the rule fired.
        public fileprivate(set) var fired = 0
    }

    /// The rules in the order they were added; the first that fires wins.
    public private(set) var entries: [Entry] = []
    private var nextNumber = 1

    /// An empty book.
    public init() {}

    /// Whether the book holds no rule.
    public var isEmpty: Bool { entries.isEmpty }

    /// Adds `rule`; returns its id.
    /// - Throws: ``FaultRuleError`` when the rule cannot be used (``FaultRule/problem``).
    public mutating func add(_ rule: FaultRule<Match>) throws(FaultRuleError) -> String {
        if let problem = rule.problem { throw FaultRuleError(problem) }
        let id = "fault-\(nextNumber)"
        nextNumber += 1
        entries.append(Entry(id: id, rule: rule))
        return id
    }

    /// Removes the rule `id`, or every rule when `id` is `nil`; answers whether one was removed.
    @discardableResult
    public mutating func remove(id: String?) -> Bool {
        let before = entries.count
        if let id { entries.removeAll { $0.id == id } } else { entries.removeAll() }
        return entries.count != before
    }

    /// The first rule that fires for `request`, counting the request against every matching rule
    /// before it (`after` lets requests through; `times` stops a rule; `probability` draws from
    /// `generator`).
    public mutating func fire(for request: Match.Request, using generator: inout SeededGenerator) -> Entry? {
        for index in entries.indices where entries[index].rule.match.matches(request) {
            let rule = entries[index].rule
            if let times = rule.times, entries[index].fired >= times { continue }
            entries[index].seen += 1
            if entries[index].seen <= rule.after { continue }
            if let probability = rule.probability, generator.nextUnit() >= probability { continue }
            entries[index].fired += 1
            return entries[index]
        }
        return nil
    }
}
