/// Durations as the fault rules and the control API write them: `250ms`, `15s`, `30m`, `2h`
/// (a bare number is seconds).
enum DurationText {
    /// Parses `text`; `nil` when it is not a non-negative duration in one of the accepted forms.
    static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            guard let value = Double(number), value >= 0, value.isFinite else { return nil }
            return .milliseconds(Int64((value * factor * 1000).rounded()))
        }
        if let value = Double(trimmed), value >= 0, value.isFinite {
            return .milliseconds(Int64((value * 1000).rounded()))
        }
        return nil
    }

    /// `duration` written back in the shortest accepted form (`1500ms`, `2s`).
    static func format(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}

import Foundation
