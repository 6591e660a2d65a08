import Foundation
import Synchronization

/// The bot as a real child process: started with an exact environment, its stdout and stderr
/// appended to a log file, sent real signals, awaited, and sampled for peak RSS.
public final class BotProcess: Sendable {
    /// How the process ended.
    public struct Exit: Sendable, Equatable {
        /// The exit status, or 128 + the signal number when a signal killed it (as shells report).
        public var code: Int32
        /// The signal that killed it, if one did.
        public var signal: Int32?
        /// When it was seen to exit.
        public var at: ContinuousClock.Instant
    }

    private struct State {
        var exit: Exit?
        var waiters: [CheckedContinuation<Exit, Never>] = []
        var peakRSS: Int64 = 0
        var signals: [(BotSignal, ContinuousClock.Instant)] = []
    }

    /// The process id.
    public let pid: Int32
    /// When it was started.
    public let startedAt: ContinuousClock.Instant
    private let process: Process
    private let state: LockedState<State>

    /// Starts `executable` with exactly `environment` (nothing inherited), appending its output to `logFile`.
    /// - Throws: when the executable cannot be started.
    public init(executable: URL, arguments: [String] = [], environment: [String: String], logFile: URL, workingDirectory: URL) throws {
        if !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logFile)
        try log.seekToEnd()
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = workingDirectory
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let state = LockedState(State())
        process.terminationHandler = { finished in
            let reason = finished.terminationReason
            let status = finished.terminationStatus
            let exit = Exit(code: reason == .uncaughtSignal ? 128 + status : status,
                            signal: reason == .uncaughtSignal ? status : nil, at: .now)
            let waiters = state.withLock { state in
                state.exit = exit
                defer { state.waiters = [] }
                return state.waiters
            }
            try? log.close()
            for waiter in waiters { waiter.resume(returning: exit) }
        }
        try process.run()
        self.process = process
        self.state = state
        self.pid = process.processIdentifier
        self.startedAt = .now
    }

    /// How it ended, or nil while it runs.
    public var exit: Exit? { state.withLock { $0.exit } }

    /// Whether it is still running.
    public var isRunning: Bool { exit == nil }

    /// The signals sent so far, in order, with when.
    public var signalsSent: [(BotSignal, ContinuousClock.Instant)] { state.withLock { $0.signals } }

    /// Sends a real signal (`kill(2)`); does nothing once the process has exited.
    public func send(_ signal: BotSignal) {
        sampleRSS()
        state.withLock { state in
            guard state.exit == nil else { return }
            state.signals.append((signal, .now))
            kill(pid, signal.number)
        }
    }

    /// Waits until the process exits.
    public func waitForExit() async -> Exit {
        await withCheckedContinuation { continuation in
            let exit: Exit? = state.withLock { state in
                if let exit = state.exit { return exit }
                state.waiters.append(continuation)
                return nil
            }
            if let exit { continuation.resume(returning: exit) }
        }
    }

    /// Waits up to `timeout` for the process to exit; nil when it is still running then.
    public func waitForExit(timeout: Duration) async -> Exit? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let exit { return exit }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exit
    }

    /// Sends `signal`, waits up to `timeout`, then SIGKILL and waits for the exit.
    public func stop(signal: BotSignal = .term, timeout: Duration) async -> Exit {
        send(signal)
        if let exit = await waitForExit(timeout: timeout) { return exit }
        send(.kill)
        return await waitForExit()
    }

    /// Reads the kernel's high-water mark of resident memory (VmHWM) and remembers the largest.
    public func sampleRSS() {
        guard isRunning, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int64($0) } ?? 0
            state.withLock { $0.peakRSS = max($0.peakRSS, kilobytes * 1024) }
        }
    }

    /// The largest RSS high-water mark sampled, bytes (0 when never sampled).
    public var peakRSS: Int64 { state.withLock { $0.peakRSS } }
}
