import Foundation

/// The one duration grammar of DESIGN.md: a whole number followed by a unit — `ms`, `s`, `m`, `h`
/// or `d` — as in `250ms`, `15s`, `30m`, `2h`, `7d`. The bot's configuration, both fakes' fault
/// rules, scenario files and the `chaos` command line all read durations with it; surrounding
/// spaces are ignored, nothing else is (no fractions, no bare numbers, no space before the unit).
public enum DurationText {
    /// Why a text is not a duration, phrased to follow "the value …" in an error message.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong with the text.
        public var description: String
    }

    /// The largest duration accepted: 366 days, far beyond any timer of the project, so that a typo
    /// such as `30000000h` is reported instead of overflowing.
    public static let maximum: Duration = .seconds(366 * 24 * 3600)

    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// Reads `text`.
    /// - Throws: `Problem` when the number or the unit is missing or invalid, or the value is over
    ///   ``maximum``.
    public static func read(_ text: String) throws(Problem) -> Duration {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw Problem(description: "is empty") }
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        let unit = trimmed.dropFirst(digits.count)
        guard !digits.isEmpty else {
            throw Problem(description: "does not start with a number (write a whole number and a unit, like 250ms, 15s, 30m, 2h)")
        }
        if unit.first == "." {
            throw Problem(description: "is not a whole number of its unit (write 1500ms, not 1.5s)")
        }
        guard !unit.isEmpty else { throw Problem(description: "has no unit (write ms, s, m, h or d after the number)") }
        guard let scale = units.first(where: { $0.suffix == unit })?.milliseconds else {
            throw Problem(description: "has an unknown unit '\(unit)' (use ms, s, m, h or d)")
        }
        guard let value = Int64(digits), value <= maximum.components.seconds * 1_000 / scale else {
            throw Problem(description: "is longer than 366 days")
        }
        return .milliseconds(value * scale)
    }

    /// `text` as a duration, or `nil` when ``read(_:)`` would throw.
    public static func parse(_ text: String) -> Duration? {
        try? read(text)
    }

    /// Formats `duration` in the largest unit that represents it exactly (`250ms`, `15s`, `30m`,
    /// `2h`, `7d`; a fraction of a millisecond is dropped).
    public static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        for unit in units.reversed() where unit.milliseconds > 1 {
            if milliseconds != 0, milliseconds % unit.milliseconds == 0 { return "\(milliseconds / unit.milliseconds)\(unit.suffix)" }
        }
        return milliseconds == 0 ? "0s" : "\(milliseconds)ms"
    }
}
