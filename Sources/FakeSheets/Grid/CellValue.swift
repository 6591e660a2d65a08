/// What one cell of the fake's grid holds: the effective value Sheets would store.
///
/// Formulas are not evaluated: a `USER_ENTERED` string starting with `=` is kept as text.
enum CellValue: Sendable, Hashable {
    case text(String)
    case number(Double)
    case bool(Bool)

    /// The value as `valueRenderOption=FORMATTED_VALUE` (the default) shows it: numbers in the
    /// "General" format, booleans as `TRUE`/`FALSE`.
    var formatted: String {
        switch self {
        case .text(let s): return s
        case .bool(let b): return b ? "TRUE" : "FALSE"
        case .number(let d): return CellValue.format(d)
        }
    }

    /// The value as `UNFORMATTED_VALUE` / `FORMULA` show it: numbers and booleans keep their JSON kind.
    var unformatted: JSONValue {
        switch self {
        case .text(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .number(let d):
            if d.rounded() == d, abs(d) < 1e15 { return .int(Int(d)) }
            return .number(d)
        }
    }

    static func format(_ d: Double) -> String {
        if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    /// A request value stored with `valueInputOption=RAW`: kept as it was sent.
    /// `nil` for JSON `null` (an empty cell).
    static func raw(_ json: JSONValue) -> CellValue? {
        switch json {
        case .null: return nil
        case .string(let s): return s.isEmpty ? nil : .text(s)
        case .bool(let b): return .bool(b)
        case .int(let i): return .number(Double(i))
        case .number(let d): return .number(d)
        case .array, .object: return nil
        }
    }

    /// A request value stored with `valueInputOption=USER_ENTERED`: strings are parsed as if typed
    /// into the Sheets UI — numbers (`12`, `-3.5`, `1e3`, `1,234.5`), booleans (`TRUE`, `false`),
    /// a leading apostrophe forces text (`'0123` → `0123`).
    static func userEntered(_ json: JSONValue) -> CellValue? {
        guard case .string(let s) = json else { return raw(json) }
        guard let first = s.utf8.first else { return nil }
        if first == UInt8(ascii: "'") { return .text(String(s.dropFirst())) }
        // Most text cannot be a number or boolean: decide on the first character before parsing.
        let mayBeValue = (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "+") || first == UInt8(ascii: ".") || first == UInt8(ascii: " ")
            || first == UInt8(ascii: "t") || first == UInt8(ascii: "T") || first == UInt8(ascii: "f") || first == UInt8(ascii: "F")
        guard mayBeValue else { return .text(s) }
        let trimmed = first == UInt8(ascii: " ") || s.utf8.last == UInt8(ascii: " ") ? s.trimmingCharacters(in: .whitespaces) : s
        if trimmed.utf8.count == 4 || trimmed.utf8.count == 5 {
            switch trimmed.uppercased() {
            case "TRUE": return .bool(true)
            case "FALSE": return .bool(false)
            default: break
            }
        }
        if let number = parseNumber(trimmed) { return .number(number) }
        return .text(s)
    }

    private static let numberBytes = Set("0123456789.,eE+-".utf8)

    /// Numbers the way the Sheets UI recognises them in the en_US locale: optional sign, digits with
    /// optional thousands separators, optional fraction and exponent. Rejects `inf`, `nan`, hex.
    static func parseNumber(_ s: String) -> Double? {
        var body = Substring(s)
        guard !body.isEmpty else { return nil }
        var sign = 1.0
        if body.first == "-" || body.first == "+" {
            if body.first == "-" { sign = -1 }
            body = body.dropFirst()
        }
        guard let first = body.first, first.isASCII, first.isNumber || first == "." else { return nil }
        guard body.utf8.allSatisfy({ numberBytes.contains($0) }) else { return nil }
        // Thousands separators only between groups of three digits before the decimal point.
        let integerPart = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if integerPart.contains(",") {
            let groups = integerPart.split(separator: ",", omittingEmptySubsequences: false)
            guard groups.dropFirst().allSatisfy({ $0.count == 3 }), !(groups.first?.isEmpty ?? true) else { return nil }
        }
        guard let value = Double(body.replacingOccurrences(of: ",", with: "")), value.isFinite else { return nil }
        return sign * value
    }
}

import Foundation
