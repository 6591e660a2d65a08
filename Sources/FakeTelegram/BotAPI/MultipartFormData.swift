import Foundation
import MetroSupport

/// A small `multipart/form-data` splitter: enough to read the text fields real clients send
/// (`chat_id`, `text`, `reply_markup` as JSON text). File parts are read as bytes and kept as
/// text only when they are UTF-8; the fake does not store files.
enum MultipartFormData {
    struct Part: Sendable {
        let name: String
        let value: String
    }

    /// The `boundary` parameter of a `multipart/form-data` content type.
    static func boundary(in contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.utf8.count > 200 ? nil : value
        }
        return nil
    }

    /// Splits `body` on `boundary`; `nil` when the body is not well-formed multipart.
    static func parse(_ body: Data, boundary: String) -> [Part]? {
        let bytes = [UInt8](body)
        let delimiter = Array("--\(boundary)".utf8)
        var positions: [Int] = []
        var searchFrom = 0
        while let found = firstIndex(of: delimiter, in: bytes, from: searchFrom) {
            positions.append(found)
            searchFrom = found + delimiter.count
        }
        guard positions.count >= 2 else { return nil }
        var parts: [Part] = []
        for (start, end) in zip(positions, positions.dropFirst()) {
            var partStart = start + delimiter.count
            // Skip the CRLF after the delimiter.
            if partStart + 1 < bytes.count, bytes[partStart] == 13, bytes[partStart + 1] == 10 { partStart += 2 }
            var partEnd = end
            if partEnd - 2 >= partStart, bytes[partEnd - 2] == 13, bytes[partEnd - 1] == 10 { partEnd -= 2 }
            guard partStart <= partEnd else { return nil }
            let part = Array(bytes[partStart..<partEnd])
            guard let headerEnd = firstIndex(of: [13, 10, 13, 10], in: part, from: 0) else { return nil }
            let headerText = String(decoding: part[..<headerEnd], as: UTF8.self)
            guard let name = fieldName(in: headerText) else { return nil }
            let content = part[(headerEnd + 4)...]
            parts.append(Part(name: name, value: String(decoding: content, as: UTF8.self)))
        }
        // The last delimiter must be the closing one.
        let last = positions[positions.count - 1] + delimiter.count
        guard last + 1 < bytes.count, bytes[last] == 45, bytes[last + 1] == 45 else { return nil }
        return parts
    }

    private static func fieldName(in headers: String) -> String? {
        for line in headers.components(separatedBy: "\r\n") {
            let lower = line.lowercased()
            guard lower.hasPrefix("content-disposition:") else { continue }
            // The `name` parameter, not the `filename` one that may precede it.
            let parameters = line.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let parameter = parameters.first(where: { $0.lowercased().hasPrefix("name=\"") }) else { return nil }
            let rest = parameter.dropFirst(6)
            guard let close = rest.firstIndex(of: "\"") else { return nil }
            return String(rest[..<close])
        }
        return nil
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == needle[0] {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }
}
