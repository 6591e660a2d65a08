import Logging

/// Builds the bot's logging: one `LogSink` (standard output plus `LOG_DIR/bot.log`, rotated,
/// redacted) shared by a `BotLogHandler` per logger label.
///
/// In `main`:
///
///     let sink = try BotLogging.makeSink(directory: config.logDirectory, secrets: config.secrets)
///     LoggingSystem.bootstrap { label in BotLogging.makeHandler(label: label, level: config.logLevel, sink: sink) }
public enum BotLogging {
    /// Creates the sink shared by all handlers of the process.
    ///
    /// - Parameters:
    ///   - directory: `LOG_DIR`; nil writes to standard output only.
    ///   - secrets: every value that must never be logged (bot token, webhook secret, admin token).
    ///   - maxFileBytes: rotation size of `bot.log`. Defaults to 10 MiB.
    ///   - maxFiles: files kept, `bot.log` included. Defaults to 5.
    ///   - writesToStandardOutput: defaults to true.
    /// - Throws: `LogFileError` when the directory or file cannot be created.
    public static func makeSink(
        directory: String?,
        secrets: [String],
        maxFileBytes: Int = 10 << 20,
        maxFiles: Int = 5,
        writesToStandardOutput: Bool = true
    ) throws -> LogSink {
        let file = try directory.map { try RotatingLogFile(directory: $0, maxFileBytes: maxFileBytes, maxFiles: maxFiles) }
        return LogSink(redactor: LogRedactor(secrets: secrets), file: file, writesToStandardOutput: writesToStandardOutput)
    }

    /// A handler for `label` writing to `sink`; pass this to `LoggingSystem.bootstrap`.
    ///
    /// - Parameters:
    ///   - level: the lowest level written (`LOG_LEVEL`). Defaults to `info`.
    ///   - metadataProvider: contextual metadata for every line. Defaults to none.
    public static func makeHandler(
        label: String,
        level: Logger.Level = .info,
        sink: LogSink,
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> BotLogHandler {
        BotLogHandler(label: label, level: level, sink: sink, metadataProvider: metadataProvider)
    }

    /// Creates the sink and a handler for `label` in one step, for a single logger (tests, tools).
    /// A process with several loggers should share one sink (`makeSink`), so that one writer
    /// owns the rotation of `bot.log`.
    public static func makeHandler(
        label: String,
        level: Logger.Level = .info,
        directory: String?,
        secrets: [String]
    ) throws -> BotLogHandler {
        let sink = try makeSink(directory: directory, secrets: secrets)
        return makeHandler(label: label, level: level, sink: sink)
    }

    /// Parses `LOG_LEVEL` (`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`,
    /// any case; `warn` accepted for `warning`); nil for anything else.
    public static func level(named name: String) -> Logger.Level? {
        let lowered = name.lowercased()
        if lowered == "warn" { return .warning }
        return Logger.Level(rawValue: lowered)
    }
}
