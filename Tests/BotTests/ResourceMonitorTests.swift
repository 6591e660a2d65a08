import Foundation
import Logging
import Synchronization
import Testing

@testable import Bot

/// Collects log lines so a test can assert what the monitor said.
final class CapturedLog: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
    }

    private let entries = Mutex<[Entry]>([])

    var all: [Entry] { entries.withLock { $0 } }

    func logger() -> Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.entries.withLock { $0.append(Entry(level: event.level, message: event.message.description)) }
        }
    }
}

@Suite("Resource monitor")
struct ResourceMonitorTests {
    @Test("crossing the thresholds logs a warning, then an error with one cleanup, and sheds until under warn")
    func thresholds() async throws {
        let tree = try FakeProcTree()
        let log = CapturedLog()
        let cleanups = Mutex(0)
        let limitKiB: UInt64 = 100_000
        let monitor = ResourceMonitor(
            configuration: .init(memoryLimitOverride: limitKiB * 1024, warnPercent: 80, criticalPercent: 90),
            resources: SystemResources(paths: tree.paths),
            logger: log.logger(),
            onCritical: { cleanups.withLock { $0 += 1 } })

        try tree.status(rssKiB: 50_000)
        #expect(try await monitor.check().pressure == .normal)
        #expect(!monitor.isShedding)

        try tree.status(rssKiB: 85_000)
        #expect(try await monitor.check().pressure == .warning)
        #expect(log.all.contains { $0.level == .warning && $0.message == "memory high" })
        #expect(!monitor.isShedding)

        try tree.status(rssKiB: 95_000)
        let critical = try await monitor.check()
        #expect(critical.pressure == .critical)
        #expect(critical.memoryPercent == 95)
        #expect(monitor.isShedding)
        try tree.status(rssKiB: 96_000)
        try await monitor.check()  // still critical: no second cleanup
        #expect(cleanups.withLock { $0 } == 1)
        #expect(log.all.filter { $0.level == .error }.count == 1)

        try tree.status(rssKiB: 85_000)
        try await monitor.check()
        #expect(monitor.isShedding, "shedding lasts until memory is back under the warn percentage")

        try tree.status(rssKiB: 70_000)
        try await monitor.check()
        #expect(!monitor.isShedding)
        #expect(monitor.latest?.residentBytes == 70_000 * 1024)
        #expect(log.all.contains { $0.message == "memory back to normal" })
    }

    @Test("jumping from normal straight to critical logs both levels crossed")
    func straightToCritical() async throws {
        let tree = try FakeProcTree()
        let log = CapturedLog()
        let monitor = ResourceMonitor(
            configuration: .init(memoryLimitOverride: 100_000 * 1024, warnPercent: 80, criticalPercent: 90),
            resources: SystemResources(paths: tree.paths), logger: log.logger(), onCritical: {})
        try tree.status(rssKiB: 50_000)
        try await monitor.check()
        try tree.status(rssKiB: 99_000)
        #expect(try await monitor.check().pressure == .critical)
        #expect(log.all.map(\.message).filter { $0.hasPrefix("memory") }
                == ["memory high", "memory critical: running cleanup and refusing new pending actions"])
    }

    @Test("free heap goes back to the OS once the heap grew and the bot is quiet again, or is under pressure; not during a burst")
    func heapRelease() async throws {
        let tree = try FakeProcTree()
        let releases = Mutex(0)
        let trimmedKiB = Mutex<UInt64>(0)
        let monitor = ResourceMonitor(
            configuration: .init(memoryLimitOverride: 200_000 * 1024, warnPercent: 80, criticalPercent: 90),
            resources: SystemResources(paths: tree.paths), logger: CapturedLog().logger(), onCritical: {},
            releaseFreeMemory: {
                releases.withLock { $0 += 1 }
                // What malloc_trim does to VmRSS, as the next read of the status file sees it.
                try? tree.status(rssKiB: trimmedKiB.withLock { $0 })
                return true
            })
        var cpuTicks = 0
        func reading(rssKiB: UInt64, busy: Bool, trimsTo: UInt64 = 0) async throws {
            if busy { cpuTicks += 100 * SystemResources.clockTicksPerSecond }
            try tree.stat(utimeTicks: cpuTicks, stimeTicks: 0)
            try tree.status(rssKiB: rssKiB)
            trimmedKiB.withLock { $0 = trimsTo }
            try await Task.sleep(for: .milliseconds(20))
            try await monitor.check()
        }
        try await reading(rssKiB: 50_000, busy: false)  // the baseline
        try await reading(rssKiB: 90_000, busy: true)  // a burst: grown, but busy
        #expect(releases.withLock { $0 } == 0)
        try await reading(rssKiB: 90_000, busy: false, trimsTo: 55_000)  // quiet again
        #expect(releases.withLock { $0 } == 1)
        try await reading(rssKiB: 60_000, busy: false)  // 5 MB over what the release left: not worth it
        #expect(releases.withLock { $0 } == 1)
        try await reading(rssKiB: 170_000, busy: true, trimsTo: 150_000)  // under pressure: even when busy
        #expect(releases.withLock { $0 } == 2)
        #expect(monitor.latest?.pressure == .warning)
        try await reading(rssKiB: 100_000, busy: false)  // fell on its own: the new low is the reference
        try await reading(rssKiB: 110_000, busy: false, trimsTo: 100_000)  // 10 MB above that low
        #expect(releases.withLock { $0 } == 3)
    }

    @Test("CPU percent is the CPU time used between two readings over the time between them")
    func cpuPercent() async throws {
        let tree = try FakeProcTree()
        let monitor = ResourceMonitor(
            configuration: .init(memoryLimitOverride: 1 << 30),
            resources: SystemResources(paths: tree.paths), logger: CapturedLog().logger(), onCritical: {})
        let before = ContinuousClock.now
        #expect(try await monitor.check().cpuPercent == 0, "no previous reading yet")
        try await Task.sleep(for: .milliseconds(200))
        // 100 s of CPU between two readings at least 0.2 s apart: far over 100 %, which only a
        // busy multi-core process reaches; the point is that the figure comes from the delta,
        // not the total. How far apart the readings were depends on the machine's load, so the
        // figure is checked against the wall time the test itself saw around them.
        try tree.stat(utimeTicks: 100 * SystemResources.clockTicksPerSecond, stimeTicks: 0)
        let busy = try await monitor.check().cpuPercent
        let around = (ContinuousClock.now - before) / .seconds(1)
        #expect(busy >= 100 / around * 100 && busy <= 100 / 0.2 * 100, "\(busy) % with the readings within \(around) s")
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await monitor.check().cpuPercent == 0, "no CPU used since the last reading")
    }

    @Test("run() logs the first reading at once and stops when cancelled")
    func runLoop() async throws {
        let tree = try FakeProcTree()
        let log = CapturedLog()
        let monitor = ResourceMonitor(
            configuration: .init(checkInterval: .milliseconds(10), logInterval: .seconds(3600), memoryLimitOverride: 1 << 30),
            resources: SystemResources(paths: tree.paths), logger: log.logger(), onCritical: {})
        let task = Task { try await monitor.run() }
        while !log.all.contains(where: { $0.message == "resources" }) {
            try await Task.sleep(for: .milliseconds(5))
        }
        task.cancel()
        try await task.value
        #expect(log.all.filter { $0.message == "resources" }.count == 1, "the next log is an hour away")
        #expect(monitor.latest != nil)
    }
}
