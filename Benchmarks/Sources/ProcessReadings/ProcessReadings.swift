// What the benchmarks read of a process from /proc: its resident memory and the CPU time it used.
// One copy for every benchmark executable.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Readings of a running process from /proc (Linux).
public enum ProcessReadings {
    /// A memory line of /proc/PID/status (`VmRSS`, `RssAnon`, `RssFile`, …) in bytes; 0 when the
    /// process or the line is gone.
    /// - Parameters:
    ///   - field: the line's name, without the colon. Defaults to `VmRSS`.
    ///   - pid: defaults to this process.
    public static func residentBytes(_ field: String = "VmRSS", of pid: Int32 = getpid()) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }

    /// CPU time (user + system) process `pid` has used so far, in seconds: fields 14 and 15 of
    /// /proc/PID/stat, in clock ticks; 0 when the process is gone.
    /// - Parameter pid: defaults to this process.
    public static func cpuSeconds(of pid: Int32 = getpid()) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return 0 }
        // The fields after the command name, which may itself contain spaces: state is field 3.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
