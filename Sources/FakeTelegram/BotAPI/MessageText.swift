import Foundation
import MetroSupport

/// Message text checks as sendMessage and editMessageText make them: 1–4096 characters (UTF-16
/// code units, as Telegram counts) after entities parsing.
enum MessageText {
    static let maximumLength = 4096

    /// The text as sent, after checking it; throws Telegram's errors.
    static func validated(_ text: String?, parseMode: String?) throws(BotAPIError) -> String {
        guard let text, !text.isEmpty else { throw .badRequest("message text is empty") }
        let plain = try plainText(text, parseMode: parseMode)
        if plain.isBlank { throw .badRequest("message text is empty") }
        if plain.utf16.count > maximumLength { throw .badRequest("message is too long") }
        return text
    }

    /// The text a user would see once the markup of `parseMode` is parsed away.
    static func plainText(_ text: String, parseMode: String?) throws(BotAPIError) -> String {
        switch parseMode?.lowercased() {
        case nil, "": return text
        case "html": return try html(text)
        case "markdownv2": return markdown(text, escapable: true)
        case "markdown": return markdown(text, escapable: false)
        default: throw .badRequest("unsupported parse_mode")
        }
    }

    private static func html(_ text: String) throws(BotAPIError) -> String {
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "<" {
                guard let close = text[index...].firstIndex(of: ">") else {
                    let offset = text.utf8.distance(from: text.startIndex, to: index)
                    throw .badRequest("can't parse entities: Unclosed start tag at byte offset \(offset)")
                }
                index = text.index(after: close)
                continue
            }
            if character == "&", let semicolon = text[index...].prefix(10).firstIndex(of: ";") {
                let name = text[text.index(after: index)..<semicolon]
                let entities: [Substring: String] = ["lt": "<", "gt": ">", "amp": "&", "quot": "\""]
                if let replacement = entities[name] {
                    result += replacement
                    index = text.index(after: semicolon)
                    continue
                }
                if name.hasPrefix("#"), let code = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(code) {
                    result.unicodeScalars.append(scalar)
                    index = text.index(after: semicolon)
                    continue
                }
            }
            result.append(character)
            index = text.index(after: index)
        }
        return result
    }

    private static func markdown(_ text: String, escapable: Bool) -> String {
        var result = ""
        var escaped = false
        var inLinkURL = false
        var previous: Character = " "
        for character in text {
            defer { previous = character }
            if inLinkURL {
                if character == ")" { inLinkURL = false }
                continue
            }
            if escaped {
                result.append(character)
                escaped = false
                continue
            }
            if escapable && character == "\\" {
                escaped = true
                continue
            }
            if character == "(" && previous == "]" {
                inLinkURL = true
                continue
            }
            if "*_`[]".contains(character) || (escapable && "~|".contains(character)) { continue }
            result.append(character)
        }
        return result
    }
}
