import Foundation

/// Sizes written as an integer with an optional binary or decimal unit:
/// `1048576`, `512KiB`, `64MiB`, `2GiB`, `500KB`, `10MB`.
public enum ByteSize {
    /// Parses `text` into bytes, or nil when it is not a non-negative integer with a known unit.
    public static func parse(_ text: String) -> Int64? {
        let units: [(suffix: String, factor: Int64)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
            ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1), ("", 1),
        ]
        for unit in units where text.hasSuffix(unit.suffix) {
            let digits = text.dropLast(unit.suffix.count)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int64(digits), value <= Int64.max / unit.factor
            else { continue }
            return value * unit.factor
        }
        return nil
    }

    /// Formats `bytes` for people: `64.0 MiB`, `512 B`.
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var index = 0
        while value >= 1024, index < units.count - 1 {
            value /= 1024
            index += 1
        }
        return index == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[index])
    }
}
