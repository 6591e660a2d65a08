import Foundation
import MetroSupport

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
            if d.rounded() == d, abs(d) < 1e15 { return .integer(Int(d)) }
            return .double(d)
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
        case .double(let d): return .number(d)
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

    /// Numbers the way the Sheets UI recognises them in the en_US locale: optional sign, digits with
    /// optional thousands separators, optional fraction and exponent. Rejects `inf`, `nan`, hex.
    ///
    /// The shape is checked on the UTF-8 bytes in one pass (this runs for every cell of every
    /// `USER_ENTERED` write that starts with a digit); the value is then read by `Double`.
    static func parseNumber(_ s: String) -> Double? {
        var utf8 = Substring(s).utf8
        guard let sign = utf8.first else { return nil }
        if sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { utf8 = utf8.dropFirst() }
        guard let first = utf8.first, (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) || first == UInt8(ascii: ".") else {
            return nil
        }
        // Thousands separators only between groups of three characters before the decimal point,
        // the first group not empty; only these bytes may appear at all.
        var commas = false
        var inIntegerPart = true
        var groups = 0
        var groupLength = 0
        func integerPartEnds() -> Bool {
            inIntegerPart = false
            return groups == 0 || groupLength == 3
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"):
                if inIntegerPart { groupLength += 1 }
            case UInt8(ascii: ","):
                commas = true
                guard inIntegerPart else { continue }
                guard groups == 0 ? groupLength > 0 : groupLength == 3 else { return nil }
                groups += 1
                groupLength = 0
            case UInt8(ascii: "."):
                if inIntegerPart, !integerPartEnds() { return nil }
            default:
                return nil
            }
        }
        if inIntegerPart, !integerPartEnds() { return nil }
        let text = Substring(utf8)
        let value = commas ? Double(text.replacingOccurrences(of: ",", with: "")) : Double(text)
        guard let value, value.isFinite else { return nil }
        return sign == UInt8(ascii: "-") ? -value : value
    }
}
