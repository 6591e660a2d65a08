/// Parses the durations the configuration is written in: a non-negative number followed by a unit,
/// `ms`, `s`, `m`, `h` or `d` — for example `250ms`, `15s`, `1.5s`, `30m`, `2h`, `7d` (the default
/// of `UPDATE_RETENTION` in DESIGN.md's table).
public enum DurationParser {
    /// Why a text is not a duration, phrased to follow "the value …" in an error message.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong with the text.
        public var description: String
    }

    /// The largest duration accepted: 366 days, far beyond any timer the bot uses, so that a typo
    /// such as `30000000h` is reported instead of overflowing.
    public static let maximum: Duration = .seconds(366 * 24 * 3600)

    /// Parses `text` (surrounding spaces ignored).
    /// - Throws: `Problem` when the number or the unit is missing or invalid, or the value is over
    ///   `maximum`.
    public static func parse(_ text: String) throws(Problem) -> Duration {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw Problem(description: "is empty") }
        let numberPart = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unit = trimmed.dropFirst(numberPart.count)
        guard !numberPart.isEmpty else {
            throw Problem(description: "does not start with a number")
        }
        guard numberPart.filter({ $0 == "." }).count <= 1, numberPart.first != ".", numberPart.last != ".",
              let number = Double(numberPart) else {
            throw Problem(description: "has a malformed number '\(numberPart)'")
        }
        let millisecondsPerUnit: Double
        switch unit {
        case "ms": millisecondsPerUnit = 1
        case "s": millisecondsPerUnit = 1_000
        case "m": millisecondsPerUnit = 60_000
        case "h": millisecondsPerUnit = 3_600_000
        case "d": millisecondsPerUnit = 86_400_000
        case "": throw Problem(description: "has no unit (write ms, s, m, h or d after the number)")
        default: throw Problem(description: "has an unknown unit '\(unit)' (use ms, s, m, h or d)")
        }
        let milliseconds = number * millisecondsPerUnit
        guard milliseconds <= Double(maximum.components.seconds) * 1_000 else {
            throw Problem(description: "is longer than 366 days")
        }
        guard milliseconds == milliseconds.rounded() else {
            throw Problem(description: "is not a whole number of milliseconds")
        }
        return .milliseconds(Int64(milliseconds))
    }

    /// Formats `duration` the way it is written in the environment (`250ms`, `15s`, `30m`, `2h`,
    /// `7d`), choosing the largest unit that represents it exactly.
    public static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds != 0, milliseconds % 86_400_000 == 0 { return "\(milliseconds / 86_400_000)d" }
        if milliseconds != 0, milliseconds % 3_600_000 == 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds != 0, milliseconds % 60_000 == 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1_000 == 0 { return "\(milliseconds / 1_000)s" }
        return "\(milliseconds)ms"
    }
}

import Foundation
