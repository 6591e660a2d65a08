/// How close the process is to its memory limit.
public enum MemoryPressure: String, Sendable, Comparable {
    /// Under `MEMORY_WARN_PERCENT`.
    case normal
    /// At or over `MEMORY_WARN_PERCENT`, under `MEMORY_CRITICAL_PERCENT`.
    case warning
    /// At or over `MEMORY_CRITICAL_PERCENT`.
    case critical

    public static func < (lhs: MemoryPressure, rhs: MemoryPressure) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .normal: 0
        case .warning: 1
        case .critical: 2
        }
    }
}

/// Decides when the bot sheds new pending actions: from the moment memory reaches the critical
/// percentage until it is back under the warn percentage. The gap between the two is the
/// hysteresis that keeps the bot from flapping around one threshold.
public struct MemoryPressureGate: Sendable, Equatable {
    /// Defaults to 80.
    public let warnPercent: Double
    /// Defaults to 90.
    public let criticalPercent: Double
    /// Whether new pending actions are refused now.
    public private(set) var isShedding = false

    public init(warnPercent: Double = 80, criticalPercent: Double = 90) {
        precondition(warnPercent < criticalPercent, "the warn percentage must be below the critical one")
        self.warnPercent = warnPercent
        self.criticalPercent = criticalPercent
    }

    /// Classifies a reading and updates `isShedding`.
    public mutating func observe(percent: Double) -> MemoryPressure {
        let pressure: MemoryPressure =
            percent >= criticalPercent ? .critical : percent >= warnPercent ? .warning : .normal
        switch pressure {
        case .critical: isShedding = true
        case .normal: isShedding = false
        case .warning: break  // keep shedding until back under warn
        }
        return pressure
    }
}
