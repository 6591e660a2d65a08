import Foundation

/// A1-notation ranges of the attendance sheet, as the Sheets API expects them in a URL path.
///
/// The sheet name is always quoted (`'Attendance'!A1`), a quote inside it doubled
/// (`'Ana''s log'!J:J`), and the whole range percent-encoded as one path segment, keeping the
/// characters a path segment allows (`'`, `!`, `:`) so the common case reads as written.
struct SheetRange: Sendable, Equatable {
    var sheetName: String
    /// The cells: a cell such as `A1`, or columns such as `J:J`.
    var columns: String

    /// `'Sheet name'!A1`.
    var a1: String {
        "'" + sheetName.replacingOccurrences(of: "'", with: "''") + "'!" + columns
    }

    /// `a1`, percent-encoded for a URL path segment.
    var pathSegment: String {
        Self.percentEncodedSegment(a1)
    }

    /// Percent-encodes everything a path segment does not allow as is (RFC 3986 `pchar`).
    static func percentEncodedSegment(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            let allowed = (byte < 0x80) && (
                ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
                    || "-._~!$&'()*+,;=:@".unicodeScalars.contains(scalar)
            )
            if allowed {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

private extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
