import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files the bot reads its resource usage from. Tests point these at a temporary directory
/// laid out like `/proc` and `/sys/fs/cgroup`; production uses the defaults.
public struct SystemResourcePaths: Sendable {
    /// `VmRSS` comes from here. Defaults to `/proc/self/status`.
    public var processStatus: String
    /// `utime` and `stime` (fields 14 and 15) come from here. Defaults to `/proc/self/stat`.
    public var processStat: String
    /// The process's cgroup membership. Defaults to `/proc/self/cgroup`.
    public var processCgroup: String
    /// Where the cgroup hierarchies are mounted. Defaults to `/sys/fs/cgroup`.
    public var cgroupRoot: String
    /// `MemTotal`, the limit when no cgroup sets one. Defaults to `/proc/meminfo`.
    public var memoryInfo: String

    public init(
        processStatus: String = "/proc/self/status",
        processStat: String = "/proc/self/stat",
        processCgroup: String = "/proc/self/cgroup",
        cgroupRoot: String = "/sys/fs/cgroup",
        memoryInfo: String = "/proc/meminfo"
    ) {
        self.processStatus = processStatus
        self.processStat = processStat
        self.processCgroup = processCgroup
        self.cgroupRoot = cgroupRoot
        self.memoryInfo = memoryInfo
    }

    /// Every path under `root`, as in a fake `/proc` + `/sys/fs/cgroup` tree made by a test.
    public static func rooted(at root: String) -> SystemResourcePaths {
        SystemResourcePaths(
            processStatus: root + "/proc/self/status",
            processStat: root + "/proc/self/stat",
            processCgroup: root + "/proc/self/cgroup",
            cgroupRoot: root + "/sys/fs/cgroup",
            memoryInfo: root + "/proc/meminfo"
        )
    }
}

/// A resource file that could not be read or did not have the expected shape.
public struct SystemResourceError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Reads the process's memory, CPU time and the disk usage of a filesystem from the kernel's files.
///
/// Every read goes to the files again; nothing is cached, so a reading is always current.
public struct SystemResources: Sendable {
    public var paths: SystemResourcePaths

    public init(paths: SystemResourcePaths = SystemResourcePaths()) {
        self.paths = paths
    }

    /// Resident set size in bytes (`VmRSS` of `/proc/self/status`).
    public func residentBytes() throws -> UInt64 {
        let status = try read(paths.processStatus)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kibibytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ UInt64($0) })
        else {
            throw SystemResourceError(description: "\(paths.processStatus) has no readable VmRSS line")
        }
        return kibibytes * 1024
    }

    /// The memory limit that percentages are of: the cgroup v2 `memory.max`, else the cgroup v1
    /// `memory.limit_in_bytes`, else `MemTotal`. "No limit" values (`max`, or v1's page-aligned
    /// `LONG_MAX`) fall through to the next source.
    public func memoryLimitBytes() throws -> UInt64 {
        if let limit = cgroupMemoryLimit() { return limit }
        let info = try read(paths.memoryInfo)
        guard let line = info.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
              let kibibytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ UInt64($0) })
        else {
            throw SystemResourceError(description: "\(paths.memoryInfo) has no readable MemTotal line")
        }
        return kibibytes * 1024
    }

    /// CPU time (user + system) the process has used so far, in seconds.
    public func cpuTimeSeconds() throws -> Double {
        let stat = try read(paths.processStat)
        // The command name (field 2) is in parentheses and may contain spaces: count fields after
        // the last ')'. utime and stime are fields 14 and 15, i.e. the 12th and 13th after it.
        guard let close = stat.lastIndex(of: ")") else {
            throw SystemResourceError(description: "\(paths.processStat) is not a stat line")
        }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw SystemResourceError(description: "\(paths.processStat) has no utime/stime fields")
        }
        return (user + system) / Double(Self.clockTicksPerSecond)
    }

    /// Used space of the filesystem holding `path`, in percent of its size (what `df` shows).
    public func diskPercent(of path: String) throws -> Double {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else {
            throw SystemResourceError(description: "cannot stat the filesystem of \(path): \(String(cString: strerror(errno)))")
        }
        let total = Double(stats.f_blocks)
        guard total > 0 else { return 0 }
        let used = total - Double(stats.f_bfree)
        let available = Double(stats.f_bavail)
        // As df: used / (used + available to unprivileged users).
        return used / (used + available) * 100
    }

    static let clockTicksPerSecond: Int = {
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return ticks > 0 ? ticks : 100
    }()

    /// Limits at or above this are the kernel's way of saying "unlimited" (cgroup v1 reports
    /// `LONG_MAX` rounded down to a page).
    static let unlimitedThreshold: UInt64 = 1 << 60

    private func cgroupMemoryLimit() -> UInt64? {
        guard let membership = try? read(paths.processCgroup) else { return nil }
        var candidates: [String] = []
        for line in membership.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let controllers = parts[1].split(separator: ",")
            let path = String(parts[2])
            if parts[0] == "0" && controllers.isEmpty {
                // cgroup v2: one unified hierarchy.
                candidates.append(paths.cgroupRoot + path + "/memory.max")
                candidates.append(paths.cgroupRoot + "/memory.max")
            } else if controllers.contains("memory") {
                // cgroup v1: the memory controller's own hierarchy. Inside a container the
                // process's path may not exist under the mount, so the mount's root is tried too.
                candidates.append(paths.cgroupRoot + "/memory" + path + "/memory.limit_in_bytes")
                candidates.append(paths.cgroupRoot + "/memory/memory.limit_in_bytes")
            }
        }
        for file in candidates {
            guard let text = try? read(file) else { continue }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if let limit = UInt64(value), limit > 0, limit < Self.unlimitedThreshold {
                return limit
            }
        }
        return nil
    }

    private func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SystemResourceError(description: "cannot read \(path)")
        }
    }
}
