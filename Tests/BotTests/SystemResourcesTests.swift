import Foundation
import Testing

@testable import Bot

/// A temporary directory laid out like `/proc/self` and `/sys/fs/cgroup`, removed on deinit.
final class FakeProcTree: Sendable {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try write("/proc/meminfo", "MemTotal:       16384000 kB\nMemFree:         1000 kB\n")
        try write("/proc/self/cgroup", "0::/\n")
        try status(rssKiB: 20480)
        try stat(utimeTicks: 0, stimeTicks: 0)
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    var paths: SystemResourcePaths { .rooted(at: root.path) }

    func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(String(path.dropFirst()))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func status(rssKiB: UInt64) throws {
        try write("/proc/self/status", "Name:\tmetro-bot\nVmPeak:\t  999999 kB\nVmRSS:\t   \(rssKiB) kB\nThreads:\t4\n")
    }

    func stat(utimeTicks: Int, stimeTicks: Int) throws {
        // The command name contains a space and a parenthesis, as it may in reality.
        let fields = ["S", "1", "1", "1", "0", "-1", "4194304", "101", "0", "0", "0", "\(utimeTicks)", "\(stimeTicks)", "0", "0", "20"]
        try write("/proc/self/stat", "4242 (metro bot) x) " + fields.joined(separator: " ") + "\n")
    }
}

@Suite("Reading resources from /proc and cgroup files")
struct SystemResourcesTests {
    @Test("VmRSS is read in kibibytes and reported in bytes")
    func residentSetSize() throws {
        let tree = try FakeProcTree()
        try tree.status(rssKiB: 12345)
        #expect(try SystemResources(paths: tree.paths).residentBytes() == 12345 * 1024)
    }

    @Test("cgroup v2 memory.max of the process's own cgroup is the limit")
    func cgroupV2() throws {
        let tree = try FakeProcTree()
        try tree.write("/proc/self/cgroup", "0::/app.slice/bot\n")
        try tree.write("/sys/fs/cgroup/app.slice/bot/memory.max", "536870912\n")
        #expect(try SystemResources(paths: tree.paths).memoryLimitBytes() == 536_870_912)
    }

    @Test("cgroup v2 'max' means no limit: MemTotal is used")
    func cgroupV2Unlimited() throws {
        let tree = try FakeProcTree()
        try tree.write("/sys/fs/cgroup/memory.max", "max\n")
        #expect(try SystemResources(paths: tree.paths).memoryLimitBytes() == 16_384_000 * 1024)
    }

    @Test("cgroup v1 memory.limit_in_bytes is the limit, found at the mount's root inside a container")
    func cgroupV1() throws {
        let tree = try FakeProcTree()
        try tree.write("/proc/self/cgroup", "5:devices:/\n4:memory:/process_api/abc\n0::/\n")
        try tree.write("/sys/fs/cgroup/memory/memory.limit_in_bytes", "268435456\n")
        #expect(try SystemResources(paths: tree.paths).memoryLimitBytes() == 268_435_456)
    }

    @Test("cgroup v1's page-aligned LONG_MAX means no limit")
    func cgroupV1Unlimited() throws {
        let tree = try FakeProcTree()
        try tree.write("/proc/self/cgroup", "4:memory:/\n")
        try tree.write("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n")
        #expect(try SystemResources(paths: tree.paths).memoryLimitBytes() == 16_384_000 * 1024)
    }

    @Test("CPU time is utime + stime in clock ticks, parsed after the command name")
    func cpuTime() throws {
        let tree = try FakeProcTree()
        let ticks = SystemResources.clockTicksPerSecond
        try tree.stat(utimeTicks: 3 * ticks, stimeTicks: ticks / 2)
        #expect(try SystemResources(paths: tree.paths).cpuTimeSeconds() == 3.5)
    }

    @Test("missing or malformed files are errors naming the file")
    func malformed() throws {
        let tree = try FakeProcTree()
        try tree.write("/proc/self/status", "Name:\tbot\n")
        let error = #expect(throws: SystemResourceError.self) {
            try SystemResources(paths: tree.paths).residentBytes()
        }
        #expect(error?.description.contains("VmRSS") == true)
        try tree.write("/proc/self/stat", "garbage")
        #expect(throws: SystemResourceError.self) { try SystemResources(paths: tree.paths).cpuTimeSeconds() }
    }

    @Test("the real /proc of this process can be read")
    func realProc() throws {
        let resources = SystemResources()
        #expect(try resources.residentBytes() > 1024 * 1024)
        #expect(try resources.memoryLimitBytes() > 0)
        #expect(try resources.cpuTimeSeconds() > 0)
        let disk = try resources.diskPercent(of: FileManager.default.temporaryDirectory.path)
        #expect(disk > 0 && disk <= 100)
    }
}

@Suite("Memory pressure gate")
struct MemoryPressureGateTests {
    @Test(
        "readings are classified and shedding has hysteresis",
        arguments: [
            // (readings, expected pressure of the last one, shedding after the last one)
            ([50.0], MemoryPressure.normal, false),
            ([85.0], .warning, false),
            ([90.0], .critical, true),
            ([95.0, 85.0], .warning, true),  // still shedding until back under warn
            ([95.0, 85.0, 79.9], .normal, false),
            ([85.0, 89.9], .warning, false),  // warning never starts shedding
        ] as [([Double], MemoryPressure, Bool)]
    )
    func gate(readings: [Double], pressure: MemoryPressure, shedding: Bool) {
        var gate = MemoryPressureGate(warnPercent: 80, criticalPercent: 90)
        var last = MemoryPressure.normal
        for reading in readings { last = gate.observe(percent: reading) }
        #expect(last == pressure)
        #expect(gate.isShedding == shedding)
    }
}
