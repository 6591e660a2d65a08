/// Refuses JSON nested deeper than a fixed number of levels before any parser sees it.
///
/// Foundation's JSON parser on Linux stops at 512 levels, and a body whose 513th level opens at
/// its very last byte (`[` × 513) crashed the process (SIGILL) while the parser built its error.
/// Every untrusted JSON body in the package — the bot's webhook and its clients' answers, both
/// fakes' API and control routes — goes through `check` first, so such a body gets the route's
/// normal 400 and never reaches Foundation.
///
/// This is a scan of brackets, not a parser: it counts `[` and `{` against `]` and `}` outside
/// strings (a `"` opens or closes a string unless escaped with `\`), and says nothing about
/// whether the rest is valid JSON. That stays the parser's job, on bodies that are now shallow.
public enum JSONNestingGuard {
    /// The deepest nesting accepted: 64 levels, as DESIGN.md fixes it. Telegram updates and Google
    /// requests use fewer than 10.
    public static let maximumDepth = 64

    /// Throws `JSONTooDeep` when `bytes` open more than `maximumDepth` nested arrays or objects.
    /// - Parameter maximumDepth: Defaults to 64.
    public static func check<Bytes: Sequence<UInt8>>(_ bytes: Bytes, maximumDepth: Int = maximumDepth) throws(JSONTooDeep) {
        let exceeded = bytes.withContiguousStorageIfAvailable { exceeds(maximumDepth, $0) }
            ?? exceeds(maximumDepth, Array(bytes))
        if exceeded { throw JSONTooDeep(maximumDepth: maximumDepth) }
    }

    /// Whether `bytes` are nested deeper than `maximumDepth`.
    public static func isTooDeep<Bytes: Sequence<UInt8>>(_ bytes: Bytes, maximumDepth: Int = maximumDepth) -> Bool {
        do {
            try check(bytes, maximumDepth: maximumDepth)
            return false
        } catch {
            return true
        }
    }

    private static func exceeds<Bytes: Collection<UInt8>>(_ limit: Int, _ bytes: Bytes) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                // Unbalanced closers are the parser's to reject; never let them buy extra depth.
                depth = max(depth - 1, 0)
            default:
                break
            }
        }
        return false
    }
}

/// A JSON body nested deeper than `JSONNestingGuard` accepts.
public struct JSONTooDeep: Error, Sendable, Equatable, CustomStringConvertible {
    /// The limit that was exceeded.
    public var maximumDepth: Int

    /// Creates the error for `maximumDepth`.
    public init(maximumDepth: Int) {
        self.maximumDepth = maximumDepth
    }

    public var description: String {
        "the JSON is nested deeper than \(maximumDepth) levels"
    }
}
