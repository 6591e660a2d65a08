/// A check on one value read from the running system (a `/health` field, a count).
public enum ValueMatcher: Sendable, Equatable, CustomStringConvertible {
    /// Equal to this scalar, compared as text (`ok`, `true`, `0`).
    case equals(String)
    /// Not equal to this scalar.
    case notEquals(String)
    /// A number ≥ this one.
    case atLeast(Double)
    /// A number ≤ this one.
    case atMost(Double)
    /// One of these scalars.
    case oneOf([String])
    /// Text that contains this (a reason, a list rendered as JSON).
    case contains(String)

    /// Whether `actual` (the value's text, or nil when it is absent) satisfies the matcher.
    public func matches(_ actual: String?) -> Bool {
        guard let actual else { return false }
        switch self {
        case .equals(let expected): return Self.same(actual, expected)
        case .notEquals(let expected): return !Self.same(actual, expected)
        case .atLeast(let bound): return Double(actual).map { $0 >= bound } ?? false
        case .atMost(let bound): return Double(actual).map { $0 <= bound } ?? false
        case .oneOf(let values): return values.contains { Self.same(actual, $0) }
        case .contains(let part): return actual.contains(part)
        }
    }

    private static func same(_ lhs: String, _ rhs: String) -> Bool {
        if lhs == rhs { return true }
        if let l = Double(lhs), let r = Double(rhs) { return l == r }
        return false
    }

    /// `== ok`, `>= 3`, `one of [webhook, polling]`.
    public var description: String {
        switch self {
        case .equals(let value): "== \(value)"
        case .notEquals(let value): "!= \(value)"
        case .atLeast(let value): ">= \(Self.number(value))"
        case .atMost(let value): "<= \(Self.number(value))"
        case .oneOf(let values): "one of [\(values.joined(separator: ", "))]"
        case .contains(let part): "contains \"\(part)\""
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// An integer given literally or as `$name`, a value saved by an earlier step.
public enum ValueReference: Sendable, Equatable, CustomStringConvertible {
    /// A literal integer.
    case literal(Int64)
    /// The value an earlier step saved with `save_as`.
    case saved(String)

    /// `42` or `$name`.
    public var description: String {
        switch self {
        case .literal(let value): String(value)
        case .saved(let name): "$\(name)"
        }
    }
}

/// A field of `/health` and the check on it; `path` is dotted (`outbox.queued`).
public struct FieldCheck: Sendable, Equatable {
    /// The dotted path into the health JSON.
    public var path: String
    /// The check.
    public var matcher: ValueMatcher

    /// Creates a check.
    public init(path: String, matcher: ValueMatcher) {
        self.path = path
        self.matcher = matcher
    }
}

/// A count check: exactly, at least, at most.
public struct CountCheck: Sendable, Equatable, CustomStringConvertible {
    /// Exactly this many. Defaults to none.
    public var exactly: Int?
    /// At least this many. Defaults to none.
    public var atLeast: Int?
    /// At most this many. Defaults to none.
    public var atMost: Int?

    /// Creates a check.
    public init(exactly: Int? = nil, atLeast: Int? = nil, atMost: Int? = nil) {
        self.exactly = exactly
        self.atLeast = atLeast
        self.atMost = atMost
    }

    /// Whether `count` satisfies every bound given.
    public func matches(_ count: Int) -> Bool {
        if let exactly, count != exactly { return false }
        if let atLeast, count < atLeast { return false }
        if let atMost, count > atMost { return false }
        return true
    }

    /// `== 3`, `>= 1, <= 4`.
    public var description: String {
        var parts: [String] = []
        if let exactly { parts.append("== \(exactly)") }
        if let atLeast { parts.append(">= \(atLeast)") }
        if let atMost { parts.append("<= \(atMost)") }
        return parts.joined(separator: ", ")
    }
}
