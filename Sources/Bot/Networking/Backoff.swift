import Foundation

/// Exponential backoff with full jitter
/// (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
///
/// The ceiling of attempt `n` (counting from 1, the first retry) is
/// `min(maximum, base × multiplierⁿ⁻¹)`; the delay is drawn uniformly from `0...ceiling`, so that
/// many clients retrying together spread out. The random source is passed in, so tests use a
/// seeded generator and production the system generator.
public struct Backoff: Sendable, Equatable {
    /// The ceiling of the first attempt.
    public var base: Duration
    /// How much the ceiling grows per attempt. Defaults to 2.
    public var multiplier: Double
    /// The largest ceiling.
    public var maximum: Duration

    /// Creates a backoff policy.
    ///
    /// - Parameters:
    ///   - base: the ceiling of the first attempt (`WEBHOOK_RETRY_BASE_DELAY`); negative values count as zero.
    ///   - multiplier: growth per attempt; values below 1 count as 1. Defaults to 2.
    ///   - maximum: the largest ceiling; values below `base` count as `base`.
    public init(base: Duration, multiplier: Double = 2, maximum: Duration) {
        let base = max(base, .zero)
        self.base = base
        self.multiplier = multiplier.isFinite ? max(multiplier, 1) : 1
        self.maximum = max(maximum, base)
    }

    /// The largest delay of attempt `attempt` (1 = the first retry; values below 1 count as 1).
    public func ceiling(forAttempt attempt: Int) -> Duration {
        let exponent = Double(max(attempt, 1) - 1)
        let factor = Foundation.pow(multiplier, exponent)
        let baseSeconds = Self.seconds(base)
        let maximumSeconds = Self.seconds(maximum)
        let seconds = baseSeconds * factor
        guard seconds.isFinite, seconds < maximumSeconds, seconds < 9e9 else { return maximum }
        return Self.duration(seconds: seconds)
    }

    /// A delay for attempt `attempt`, uniform in `0...ceiling(forAttempt:)`, drawn from `generator`.
    public func delay<G: RandomNumberGenerator>(forAttempt attempt: Int, using generator: inout G) -> Duration {
        let ceiling = ceiling(forAttempt: attempt)
        let nanoseconds = Self.nanoseconds(ceiling)
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &generator))
    }

    /// A delay for attempt `attempt`, drawn from the system's random number generator.
    public func delay(forAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(forAttempt: attempt, using: &generator)
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        return whole + attoseconds / 1_000_000_000
    }

    private static func duration(seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
