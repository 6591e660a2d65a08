import Foundation

/// Runs the built `chaos` executable (it sits next to the test bundle in the build directory)
/// as a child process, the way CI runs it.
enum ChaosBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var buildDirectory: URL {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // Inside an .xctest bundle on Darwin the binary is deeper; walk up to the products directory.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("chaos").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory
    }

    static var url: URL { buildDirectory.appendingPathComponent("chaos") }

    /// Runs `chaos arguments…` in `directory` with `environment` added to a minimal one.
    ///
    /// The waiting happens on a thread of its own: blocking a thread of the cooperative pool (two
    /// on a 2-core machine) for the seconds a `chaos run` takes would stall every other test's
    /// timers and servers in this process.
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            Thread {
                continuation.resume(with: Swift.Result { try runBlocking(arguments, in: directory, environment: environment) })
            }.start()
        }
    }

    private static func runBlocking(_ arguments: [String], in directory: URL?, environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "NO_COLOR": "1"]
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so neither fills up and blocks the child.
        let errData = LockedData()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData.value, as: UTF8.self))
    }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}
