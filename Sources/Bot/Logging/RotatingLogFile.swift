import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only log file that rotates by size: when the next line would take `bot.log` past
/// `maxFileBytes`, `bot.log.{n}` becomes `bot.log.{n+1}` (the oldest beyond `maxFiles` is
/// deleted), `bot.log` becomes `bot.log.1`, and a new `bot.log` starts.
///
/// Lines are written with one `write(2)` each on a descriptor opened with `O_APPEND`, so nothing is
/// buffered in the process and a crash loses no line already logged. Thread-safe.
public final class RotatingLogFile: @unchecked Sendable {
    /// The active file.
    public let path: String
    /// The size past which the file rotates.
    public let maxFileBytes: Int
    /// Files kept, the active one included.
    public let maxFiles: Int

    private let lock = NSLock()
    private var descriptor: Int32
    private var size: Int
    private var reportedFailure = false

    /// Opens (creating if needed) `directory/fileName` for appending; the directory is created too.
    ///
    /// - Parameters:
    ///   - directory: `LOG_DIR`.
    ///   - fileName: defaults to `bot.log`.
    ///   - maxFileBytes: the rotation size (at least 1 KiB). Defaults to 10 MiB.
    ///   - maxFiles: files kept, the active one included (at least 1). Defaults to 5.
    /// - Throws: `LogFileError` naming the directory and the reason.
    public init(directory: String, fileName: String = "bot.log", maxFileBytes: Int = 10 << 20, maxFiles: Int = 5) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw LogFileError(path: directory, reason: "cannot create the log directory (\(error.localizedDescription)); set LOG_DIR to a writable directory")
        }
        self.path = (directory as NSString).appendingPathComponent(fileName)
        self.maxFileBytes = max(maxFileBytes, 1024)
        self.maxFiles = max(maxFiles, 1)
        (descriptor, size) = try Self.openForAppending(path)
    }

    deinit {
        close(descriptor)
    }

    /// Appends `line` (which should end with a newline), rotating first if it would not fit.
    /// A failed write (disk full) is reported once on standard error and otherwise ignored: logging
    /// never stops the bot.
    public func append(_ line: String) {
        var bytes = Array(line.utf8)
        lock.lock()
        defer { lock.unlock() }
        if size > 0, size + bytes.count > maxFileBytes {
            rotate()
        }
        let written = bytes.withUnsafeMutableBytes { Self.writeAll(descriptor, $0) }
        if written {
            size += bytes.count
        } else if !reportedFailure {
            reportedFailure = true
            let message = "warning: cannot write to \(path): \(String(cString: strerror(errno))); further failures are not reported\n"
            var stderrBytes = Array(message.utf8)
            _ = stderrBytes.withUnsafeMutableBytes { Self.writeAll(STDERR_FILENO, $0) }
        }
        bytes.removeAll()
    }

    /// The rotated files that exist, newest first (`bot.log.1`, `bot.log.2`, …).
    public func rotatedFiles() -> [String] {
        (1..<maxFiles).map { "\(path).\($0)" }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    private func rotate() {
        close(descriptor)
        if maxFiles > 1 {
            unlink("\(path).\(maxFiles - 1)")
            if maxFiles > 2 {
                for index in stride(from: maxFiles - 2, through: 1, by: -1) {
                    rename("\(path).\(index)", "\(path).\(index + 1)")
                }
            }
            rename(path, "\(path).1")
        } else {
            unlink(path)
        }
        if let (descriptor, size) = try? Self.openForAppending(path) {
            self.descriptor = descriptor
            self.size = size
        } else {
            self.descriptor = -1
            self.size = 0
        }
    }

    private static func openForAppending(_ path: String) throws -> (Int32, Int) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw LogFileError(path: path, reason: "cannot open the log file (\(String(cString: strerror(errno)))); set LOG_DIR to a writable directory")
        }
        var status = stat()
        let size = fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
        return (descriptor, size)
    }

    private static func writeAll(_ descriptor: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard descriptor >= 0, var pointer = buffer.baseAddress else { return false }
        var remaining = buffer.count
        while remaining > 0 {
            let written = write(descriptor, pointer, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            remaining -= written
            pointer += written
        }
        return true
    }
}

/// The log file or its directory cannot be used.
public struct LogFileError: Error, Sendable, CustomStringConvertible {
    /// The file or directory concerned.
    public var path: String
    /// What went wrong and how to fix it.
    public var reason: String

    /// A one-line explanation for logs and operators; never contains a secret.
    public var description: String { "\(path): \(reason)" }
}
