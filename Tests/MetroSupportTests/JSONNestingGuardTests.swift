import MetroSupport
import Testing

@Suite struct JSONNestingGuardTests {
    static func nested(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    @Test("accepts JSON up to 64 levels and refuses it from 65", arguments: [
        ("{}", false),
        ("", false),
        (nested(64), false),
        (nested(65), true),
        (#"{"a":"# + nested(63) + "}", false),
        (#"{"a":"# + nested(64) + "}", true),
    ])
    func depthLimit(json: String, tooDeep: Bool) {
        #expect(JSONNestingGuard.isTooDeep(Array(json.utf8)) == tooDeep)
    }

    @Test("refuses the bodies that crashed Foundation's parser: 513 open brackets, and an object holding 512")
    func crashingBodies() {
        #expect(throws: JSONTooDeep(maximumDepth: 64)) {
            try JSONNestingGuard.check(Array(String(repeating: "[", count: 513).utf8))
        }
        #expect(JSONNestingGuard.isTooDeep(Array((#"{"a":"# + String(repeating: "[", count: 512)).utf8)))
    }

    @Test("brackets inside strings, escaped quotes included, do not count", arguments: [
        #"{"text": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}"#,
        #"{"text": "a \" [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}"#,
        #"{"text": "ends with a backslash \\", "b": [1]}"#,
    ])
    func stringsAreSkipped(json: String) {
        #expect(!JSONNestingGuard.isTooDeep(Array(json.utf8), maximumDepth: 3))
    }

    @Test("a bracket after an escaped backslash at a string's end counts again")
    func escapedBackslashClosesString() {
        let json = #"{"a": "x\\", "b": [[[[1]]]]}"#
        #expect(JSONNestingGuard.isTooDeep(Array(json.utf8), maximumDepth: 4))
        #expect(!JSONNestingGuard.isTooDeep(Array(json.utf8), maximumDepth: 5))
    }

    @Test("unbalanced closing brackets buy no extra depth")
    func unbalancedClosers() {
        let json = "]]]]]]" + Self.nested(4)
        #expect(JSONNestingGuard.isTooDeep(Array(json.utf8), maximumDepth: 3))
    }

    @Test("the error says what was wrong")
    func message() {
        #expect(JSONTooDeep(maximumDepth: 64).description == "the JSON is nested deeper than 64 levels")
    }
}
