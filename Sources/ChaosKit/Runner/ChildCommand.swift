import Foundation

/// A short-lived command (`psql`, `initdb`, `pg_ctl`) run to completion, its output captured.
/// The waiting happens in the process's termination handler, so no thread of the cooperative
/// pool blocks while the command runs.
struct ChildCommand {
    /// How a command ended.
    struct Outcome {
        var status: Int32
        /// Standard output and standard error together.
        var output: String
    }

    /// A command that did not succeed, with its output.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var executable: URL
    var arguments: [String]
    /// The whole environment of the command (nothing inherited but `PATH`).
    var environment: [String: String] = [:]
    /// Where it runs. Defaults to the temporary directory, which any user (such as `postgres`
    /// under `runuser`) can enter, unlike a root-owned checkout.
    var workingDirectory = FileManager.default.temporaryDirectory

    /// Runs the command and waits for it.
    func run() async throws -> Outcome {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-command-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = environment
        env["PATH"] = env["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        process.environment = env
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        process.currentDirectoryURL = workingDirectory
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return Outcome(status: status, output: output)
    }

    /// Runs the command; throws with its last lines of output when it exits non-zero.
    @discardableResult
    func check(_ what: String) async throws -> String {
        let outcome = try await run()
        guard outcome.status == 0 else {
            let tail = outcome.output.split(separator: "\n").suffix(5).joined(separator: " / ")
            throw Failure(description: "\(what) failed (\(executable.lastPathComponent) exited with \(outcome.status)): \(tail)")
        }
        return outcome.output
    }

    /// The first executable called `name` on `PATH`, then in `extraDirectories`.
    static func find(_ name: String, extraDirectories: [String] = []) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + extraDirectories {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Runs the command through `posix_spawn` with every descriptor above standard error closed
    /// in the child, its output appended to `logFile`, and waits for it. For `pg_ctl start`,
    /// whose server outlives it: a daemon that inherited the descriptor Foundation's `Process`
    /// watches for its child's exit would keep that child from ever being seen to exit.
    func runDetached(logFile: URL) async throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile.path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // glibc's closefrom and chdir file actions (2.34, 2.29) are not in Swift's Glibc module.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
        guard let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np"),
              let changeDirectory = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else {
            throw Failure(description: "this C library cannot close a spawned command's descriptors (glibc 2.34 or later needed)")
        }
        _ = unsafeBitCast(closeFrom, to: CloseFrom.self)(&actions, 3)
        _ = workingDirectory.path.withCString { unsafeBitCast(changeDirectory, to: ChangeDirectory.self)(&actions, $0) }
        var env = environment
        env["PATH"] = env["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw Failure(description: "cannot start \(executable.path): error \(spawned)") }
        // waitpid blocks, so it waits on a thread of its own, not one of the cooperative pool.
        let child = pid
        return await withCheckedContinuation { continuation in
            Thread {
                var status: Int32 = 0
                while waitpid(child, &status, 0) == -1, errno == EINTR {}
                // Exited normally: the exit code; anything else (killed, or reaped by someone else): -1.
                let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
                continuation.resume(returning: code)
            }.start()
        }
    }
}
