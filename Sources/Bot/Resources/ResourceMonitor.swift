import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// One reading of the process's resources, as `/health` shows it.
public struct ResourceSnapshot: Sendable, Equatable {
    public var residentBytes: UInt64
    public var limitBytes: UInt64
    /// `residentBytes` in percent of `limitBytes`.
    public var memoryPercent: Double
    /// CPU used since the previous reading, in percent of one core.
    public var cpuPercent: Double
    /// Used space of the database's filesystem, in percent; nil when it could not be read.
    public var diskPercent: Double?
    public var pressure: MemoryPressure
    public var takenAt: Date
}

/// Watches memory, CPU and disk, logs them, and guards the bot against memory exhaustion.
///
/// Every `checkInterval` it reads the kernel's files; every `logInterval` (`RESOURCE_LOG_INTERVAL`)
/// it logs a line with the figures. Crossing into `warning` logs a warning; crossing into
/// `critical` logs an error, calls `onCritical` (the bot runs its cleanup at once) and turns on
/// shedding, which lasts until memory is back under the warn percentage. After a reading that shows
/// the heap grew and the bot quiet again (or under pressure), it hands free heap back to the OS
/// (`HeapAllocator.releaseFreeMemory`, see ``HeapReleasePolicy``).
public final class ResourceMonitor: Service, Sendable {
    /// What to watch and when.
    public struct Configuration: Sendable {
        /// How often memory is checked. Defaults to 1 second: shedding must react quickly.
        public var checkInterval: Duration
        /// How often the figures are logged (`RESOURCE_LOG_INTERVAL`). Defaults to 5 minutes.
        public var logInterval: Duration
        /// `MEMORY_LIMIT_BYTES`; nil reads the cgroup limit, else `MemTotal`.
        public var memoryLimitOverride: UInt64?
        /// Defaults to 80.
        public var warnPercent: Double
        /// Defaults to 90.
        public var criticalPercent: Double
        /// A path on the filesystem whose usage is reported (the database's directory).
        public var diskPath: String

        public init(
            checkInterval: Duration = .seconds(1),
            logInterval: Duration = .seconds(300),
            memoryLimitOverride: UInt64? = nil,
            warnPercent: Double = 80,
            criticalPercent: Double = 90,
            diskPath: String = "."
        ) {
            self.checkInterval = checkInterval
            self.logInterval = logInterval
            self.memoryLimitOverride = memoryLimitOverride
            self.warnPercent = warnPercent
            self.criticalPercent = criticalPercent
            self.diskPath = diskPath
        }
    }

    private struct State {
        var gate: MemoryPressureGate
        var latest: ResourceSnapshot?
        /// One reading a minute, the last hour's, for the dashboard's sparkline.
        var history: [ResourceSnapshot] = []
        var previousCPU: (seconds: Double, at: ContinuousClock.Instant)?
        var heapRelease = HeapReleasePolicy()
    }

    private let configuration: Configuration
    private let resources: SystemResources
    private let logger: Logger
    private let onCritical: @Sendable () async -> Void
    /// Told of each change of memory pressure (the event journal).
    private let onPressureChange: @Sendable (MemoryPressure, ResourceSnapshot) -> Void
    private let releaseFreeMemory: @Sendable () -> Bool
    private let state: Mutex<State>

    /// - Parameters:
    ///   - onCritical: called once each time memory crosses into `critical`.
    ///   - releaseFreeMemory: gives free heap back to the OS; defaults to glibc's `malloc_trim`.
    public init(
        configuration: Configuration,
        resources: SystemResources = SystemResources(),
        logger: Logger,
        onCritical: @escaping @Sendable () async -> Void,
        onPressureChange: @escaping @Sendable (MemoryPressure, ResourceSnapshot) -> Void = { _, _ in },
        releaseFreeMemory: @escaping @Sendable () -> Bool = { HeapAllocator.releaseFreeMemory() }
    ) {
        self.configuration = configuration
        self.resources = resources
        self.logger = logger
        self.onCritical = onCritical
        self.onPressureChange = onPressureChange
        self.releaseFreeMemory = releaseFreeMemory
        self.state = Mutex(State(gate: MemoryPressureGate(
            warnPercent: configuration.warnPercent, criticalPercent: configuration.criticalPercent)))
    }

    /// Whether new pending actions are refused now because of memory pressure.
    public var isShedding: Bool {
        state.withLock { $0.gate.isShedding }
    }

    /// The last reading, nil before the first.
    public var latest: ResourceSnapshot? {
        state.withLock { $0.latest }
    }

    /// The last hour's readings, one a minute (the highest of the minute), oldest first.
    public var history: [ResourceSnapshot] {
        state.withLock { $0.history }
    }

    public func run() async throws {
        var sinceLog = configuration.logInterval  // log the first reading at once
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let snapshot = try await check()
            if sinceLog >= configuration.logInterval {
                sinceLog = .zero
                logger.info("resources", metadata: Self.metadata(snapshot))
            }
            do {
                try await Task.sleep(for: configuration.checkInterval)
            } catch {
                return  // cancelled: the service group is stopping
            }
            sinceLog += configuration.checkInterval
        }
    }

    /// Takes one reading and reacts to a change of pressure (log, `onCritical`, shedding).
    /// `run()` calls it every `checkInterval`; `/health` shows `latest` instead of calling it.
    @discardableResult
    public func check() async throws -> ResourceSnapshot {
        let (snapshot, previousPressure) = try takeSnapshot()
        await react(to: snapshot, previousPressure: previousPressure)
        releaseHeapIfDue(after: snapshot)
        return snapshot
    }

    private func releaseHeapIfDue(after snapshot: ResourceSnapshot) {
        guard state.withLock({ $0.heapRelease.shouldRelease(after: snapshot) }) else { return }
        _ = releaseFreeMemory()
        let resident = (try? resources.residentBytes()) ?? snapshot.residentBytes
        state.withLock { $0.heapRelease.released(residentBytes: resident) }
        logger.debug("free heap returned to the OS", metadata: [
            "rss_bytes_before": "\(snapshot.residentBytes)", "rss_bytes_after": "\(resident)",
        ])
    }

    private func takeSnapshot() throws -> (snapshot: ResourceSnapshot, previousPressure: MemoryPressure?) {
        let rss = try resources.residentBytes()
        let limit = try configuration.memoryLimitOverride ?? resources.memoryLimitBytes()
        let cpuSeconds = try resources.cpuTimeSeconds()
        let disk = try? resources.diskPercent(of: configuration.diskPath)
        let now = ContinuousClock.now
        let memoryPercent = limit > 0 ? Double(rss) / Double(limit) * 100 : 0
        return state.withLock { state in
            var cpuPercent = 0.0
            if let previous = state.previousCPU {
                let elapsed = Double((now - previous.at).components.seconds)
                    + Double((now - previous.at).components.attoseconds) / 1e18
                if elapsed > 0 { cpuPercent = max(0, (cpuSeconds - previous.seconds) / elapsed * 100) }
            }
            state.previousCPU = (cpuSeconds, now)
            let previousPressure = state.latest?.pressure
            let snapshot = ResourceSnapshot(
                residentBytes: rss, limitBytes: limit, memoryPercent: memoryPercent,
                cpuPercent: cpuPercent, diskPercent: disk,
                pressure: state.gate.observe(percent: memoryPercent), takenAt: Date())
            state.latest = snapshot
            if let last = state.history.last, snapshot.takenAt.timeIntervalSince(last.takenAt) < 60 {
                // Within the minute: keep the higher reading, so a spike is not averaged away.
                if snapshot.memoryPercent > last.memoryPercent { state.history[state.history.count - 1] = snapshot }
            } else {
                state.history.append(snapshot)
                if state.history.count > 60 { state.history.removeFirst() }
            }
            return (snapshot, previousPressure)
        }
    }

    private func react(to snapshot: ResourceSnapshot, previousPressure: MemoryPressure?) async {
        guard snapshot.pressure != previousPressure ?? .normal else { return }
        onPressureChange(snapshot.pressure, snapshot)
        switch snapshot.pressure {
        case .critical:
            if previousPressure ?? .normal == .normal {
                // Straight past the warn level in one reading: each level crossed is logged.
                logger.warning("memory high", metadata: Self.metadata(snapshot))
            }
            logger.error("memory critical: running cleanup and refusing new pending actions",
                         metadata: Self.metadata(snapshot))
            await onCritical()
        case .warning:
            logger.warning("memory high", metadata: Self.metadata(snapshot))
        case .normal:
            logger.info("memory back to normal", metadata: Self.metadata(snapshot))
        }
    }

    private static func metadata(_ snapshot: ResourceSnapshot) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "rss_bytes": "\(snapshot.residentBytes)",
            "limit_bytes": "\(snapshot.limitBytes)",
            "memory_percent": "\(String(format: "%.1f", snapshot.memoryPercent))",
            "cpu_percent": "\(String(format: "%.1f", snapshot.cpuPercent))",
            "pressure": "\(snapshot.pressure.rawValue)",
        ]
        if let disk = snapshot.diskPercent {
            metadata["disk_percent"] = "\(String(format: "%.1f", disk))"
        }
        return metadata
    }
}
