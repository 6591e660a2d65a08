import Foundation
import MetroSupport

extension StringProtocol {
    /// `trimmingCharacters(in: .whitespaces)`, skipping Foundation (which copies the text into an
    /// `NSString` on Linux) when neither end is whitespace — the usual case for parameters.
    func trimmingWhitespaces() -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return "" }
        if WhitespaceTrimming.whitespaces.contains(first) || WhitespaceTrimming.whitespaces.contains(last) {
            return trimmingCharacters(in: WhitespaceTrimming.whitespaces)
        }
        return String(self)
    }

    /// Whether the text is empty once whitespace and newlines are trimmed, i.e.
    /// `trimmingCharacters(in: .whitespacesAndNewlines).isEmpty`, stopping at the first other character.
    var isBlank: Bool {
        unicodeScalars.allSatisfy { WhitespaceTrimming.whitespacesAndNewlines.contains($0) }
    }
}

/// The character sets, built once.
private enum WhitespaceTrimming {
    static let whitespaces = CharacterSet.whitespaces
    static let whitespacesAndNewlines = CharacterSet.whitespacesAndNewlines
}
