import Foundation
import Logging

/// A swift-log handler that writes one line per event:
///
///     2026-11-29T04:10:06.123Z info metro.bot: update handled update_id=42 user_id=1001 outcome=checked_in
///
/// The timestamp is UTC with milliseconds; metadata (the handler's, the provider's and the
/// event's, in that order of precedence, sorted by key) follows as `key=value`, values with spaces,
/// quotes or `=` in double quotes; newlines are escaped so an event is always one line. Secrets are
/// replaced by `[REDACTED]` in the label, message, keys and values before the line is written.
public struct BotLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// The sink shared by every handler of the process.
    public let sink: LogSink
    /// The lowest level written.
    public var logLevel: Logger.Level
    /// Metadata added to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Contextual metadata added to every line (task-local ids, …).
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler.
    ///
    /// - Parameters:
    ///   - label: the logger's label, e.g. `metro.bot`.
    ///   - level: the lowest level written (`LOG_LEVEL`). Defaults to `info`.
    ///   - sink: where lines go.
    ///   - metadataProvider: contextual metadata added to every line. Defaults to none.
    public init(label: String, level: Logger.Level = .info, sink: LogSink, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.sink = sink
        self.metadataProvider = metadataProvider
    }

    /// One entry of `metadata`.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Formats `event` as one redacted line and writes it to the sink.
    public func log(event: LogEvent) {
        sink.emit(format(
            level: event.level, message: event.message, metadata: event.metadata, date: Date()
        ))
    }

    /// The line for one event, redacted and ending with a newline.
    func format(level: Logger.Level, message: Logger.Message, metadata eventMetadata: Logger.Metadata?, date: Date) -> String {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, provided in provided }
        }
        if let eventMetadata {
            merged.merge(eventMetadata) { _, event in event }
        }
        let redactor = sink.redactor
        var line = Self.timestamp(date)
        line += " \(level.rawValue) "
        line += Self.escaped(redactor.redact(label))
        line += ": "
        line += Self.escaped(redactor.redact(message.description))
        for key in merged.keys.sorted() {
            line += " "
            line += Self.token(redactor.redact(key))
            line += "="
            line += Self.token(redactor.redact(Self.render(merged[key]!)))
        }
        line += "\n"
        return line
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)

    static func timestamp(_ date: Date) -> String {
        timestampStyle.format(date)
    }

    private static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string):
            return string
        case .stringConvertible(let convertible):
            return convertible.description
        case .array(let values):
            return "[" + values.map(render).joined(separator: ", ") + "]"
        case .dictionary(let dictionary):
            return "[" + dictionary.keys.sorted().map { "\($0): \(render(dictionary[$0]!))" }.joined(separator: ", ") + "]"
        }
    }

    /// Escapes control characters so that the text stays on one line.
    private static func escaped(_ text: String) -> String {
        // Printable ASCII, the usual case, has nothing to escape: decided on the bytes, without
        // looking up the Unicode properties of each scalar.
        if text.utf8.allSatisfy(isPrintableASCII) { return text }
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars { appendEscaped(scalar, to: &result) }
        return result
    }

    /// A key or value: bare when it has no space, quote, `=` or control character, else quoted
    /// with `\` and `"` escaped and control characters as in `escaped`.
    private static func token(_ text: String) -> String {
        if !text.isEmpty && text.utf8.allSatisfy({ isPrintableASCII($0) && $0 != UInt8(ascii: " ")
                                                    && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") }) {
            return text
        }
        let needsQuotes = text.isEmpty || text.unicodeScalars.contains {
            $0 == " " || $0 == "\"" || $0 == "=" || $0.properties.generalCategory == .control
                || $0.properties.isWhitespace
        }
        guard needsQuotes else { return text }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            default: appendEscaped(scalar, to: &result)
            }
        }
        result += "\""
        return result
    }

    private static func isPrintableASCII(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x7F
    }

    /// `scalar`, or its escape when it is a control character.
    private static func appendEscaped(_ scalar: Unicode.Scalar, to result: inout String) {
        switch scalar {
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        default:
            if scalar.properties.generalCategory == .control {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
}
