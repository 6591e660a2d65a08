import Foundation

/// Replaces every configured secret with `[REDACTED]` in text bound for a log line.
///
/// Besides each secret itself it covers the forms in which a secret leaks in practice: the part
/// of a Telegram bot token after the colon (the token's secret part, which appears on its own in
/// URLs such as `/bot123:ABC…/getMe` once a proxy re-encodes the colon) and the percent-encoded
/// form of each secret.
public struct LogRedactor: Sendable {
    /// The text that marks a removed secret.
    public static let marker = "[REDACTED]"

    /// The strings that are replaced, longest first (so a secret containing another is removed whole).
    public let patterns: [String]

    /// Creates a redactor for `secrets`; empty strings are ignored.
    ///
    /// - Parameter secrets: the bot token, the webhook secret, the admin token, …
    public init(secrets: [String]) {
        var patterns = Set<String>()
        for secret in secrets where !secret.isEmpty {
            patterns.insert(secret)
            if let colon = secret.firstIndex(of: ":") {
                let secretPart = String(secret[secret.index(after: colon)...])
                // Only a part long enough to be the secret itself; a short one would blank out
                // ordinary words.
                if secretPart.count >= 8 { patterns.insert(secretPart) }
            }
            if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != secret {
                patterns.insert(encoded)
            }
        }
        self.patterns = patterns.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
        patternBytes = self.patterns.map { Array($0.utf8) }
    }

    /// `patterns` as UTF-8, for the search.
    private let patternBytes: [[UInt8]]

    /// `text` with every secret replaced by `[REDACTED]`.
    public func redact(_ text: String) -> String {
        var text = text
        // This runs for every field of every log line, and a secret is almost never there, so the
        // search must be cheap: a plain scan of the UTF-8 bytes for each pattern's first byte.
        // Foundation's `contains` bridges to NSString on Linux, and the standard library's generic
        // `firstRange(of:)` was costlier still (figures: docs/BENCHMARKS.md).
        for (pattern, bytes) in zip(patterns, patternBytes) where Self.contains(&text, bytes) {
            text = text.replacingOccurrences(of: pattern, with: Self.marker)
        }
        return text
    }

    /// Whether `needle` occurs in `text`'s UTF-8 bytes.
    static func contains(_ text: inout String, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        return text.withUTF8 { haystack in
            needle.withUnsafeBufferPointer { needle in
                guard haystack.count >= needle.count else { return false }
                for start in 0...(haystack.count - needle.count) where haystack[start] == first {
                    var matched = 1
                    while matched < needle.count, haystack[start + matched] == needle[matched] { matched += 1 }
                    if matched == needle.count { return true }
                }
                return false
            }
        }
    }
}
