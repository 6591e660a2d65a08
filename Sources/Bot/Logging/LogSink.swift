#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where the bot's log lines go: standard output and, when a directory is configured, a
/// `RotatingLogFile`. Every line passes through the `LogRedactor` here, whichever handler made
/// it, so no code path can log a secret. One sink is shared by all loggers of the process.
public final class LogSink: @unchecked Sendable {
    /// The redaction applied to every line.
    public let redactor: LogRedactor
    /// The log file, when there is one.
    public let file: RotatingLogFile?
    /// Whether lines are also written to standard output.
    public let writesToStandardOutput: Bool

    private let standardOutputLock = NSLock()

    /// Creates a sink.
    ///
    /// - Parameters:
    ///   - redactor: the secrets to remove.
    ///   - file: the rotating log file; nil logs to standard output only.
    ///   - writesToStandardOutput: defaults to true.
    public init(redactor: LogRedactor, file: RotatingLogFile?, writesToStandardOutput: Bool = true) {
        self.redactor = redactor
        self.file = file
        self.writesToStandardOutput = writesToStandardOutput
    }

    /// Writes one complete line (ending with a newline), already redacted by the caller.
    func emit(_ line: String) {
        if writesToStandardOutput {
            var bytes = Array(line.utf8)
            standardOutputLock.lock()
            bytes.withUnsafeMutableBytes { buffer in
                guard var pointer = buffer.baseAddress else { return }
                var remaining = buffer.count
                while remaining > 0 {
                    let written = write(STDOUT_FILENO, pointer, remaining)
                    if written < 0 {
                        if errno == EINTR { continue }
                        break
                    }
                    remaining -= written
                    pointer += written
                }
            }
            standardOutputLock.unlock()
        }
        file?.append(line)
    }
}
