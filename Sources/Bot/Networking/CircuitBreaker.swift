/// Stops calls to a dependency that keeps failing (Sheets), and lets one probe through after a
/// cool-down to find out whether it is back.
///
/// - **closed**: calls pass; `failureThreshold` consecutive failures open the circuit.
/// - **open**: calls are refused (`CircuitOpenError`) until `coolDown` has passed since it opened.
/// - **half open**: one call (the probe) passes, others are refused; the probe's success closes
///   the circuit, its failure opens it again for another `coolDown`.
///
/// The clock is injected (`now`), so tests move time forward instead of sleeping. The state is
/// read for `/health` with `state()`.
public actor CircuitBreaker {
    /// Where the circuit is; the raw value is what `/health` shows.
    public enum State: String, Sendable, Equatable {
        case closed
        case open
        case halfOpen = "half_open"
    }

    /// Consecutive failures that open the circuit.
    public let failureThreshold: Int
    /// How long the circuit stays open before a probe is let through.
    public let coolDown: Duration

    private let now: @Sendable () -> ContinuousClock.Instant
    private let onTransition: @Sendable (_ from: State, _ to: State) -> Void
    private var current: State = .closed {
        didSet { if current != oldValue { onTransition(oldValue, current) } }
    }
    private var consecutiveFailures = 0
    private var openedAt: ContinuousClock.Instant?
    private var probeInFlight = false

    /// Creates a closed circuit breaker.
    ///
    /// - Parameters:
    ///   - failureThreshold: consecutive failures that open the circuit (at least 1). Defaults to 5.
    ///   - coolDown: time open before a probe. Defaults to 30 seconds.
    ///   - now: the clock. Defaults to `ContinuousClock.now`.
    ///   - onTransition: told of each change of state (the event journal). Defaults to nothing.
    public init(
        failureThreshold: Int = 5,
        coolDown: Duration = .seconds(30),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        onTransition: @escaping @Sendable (_ from: State, _ to: State) -> Void = { _, _ in }
    ) {
        self.failureThreshold = max(failureThreshold, 1)
        self.coolDown = coolDown
        self.now = now
        self.onTransition = onTransition
    }

    /// The current state; an open circuit whose cool-down has passed reads as `halfOpen`.
    public func state() -> State {
        advance()
        return current
    }

    /// Failures counted since the last success.
    public func failureCount() -> Int { consecutiveFailures }

    /// How long until an open circuit lets a probe through; nil unless open.
    public func remainingCoolDown() -> Duration? {
        advance()
        guard current == .open, let openedAt else { return nil }
        return max(openedAt + coolDown - now(), .zero)
    }

    /// Asks to make a call. True when it may go ahead; the caller must then report the outcome
    /// with `recordSuccess()`, `recordFailure()` or `recordAbandoned()`.
    public func tryAcquire() -> Bool {
        advance()
        switch current {
        case .closed:
            return true
        case .open:
            return false
        case .halfOpen:
            guard !probeInFlight else { return false }
            probeInFlight = true
            return true
        }
    }

    /// Reports a call that succeeded: the circuit closes and the failure count resets.
    public func recordSuccess() {
        consecutiveFailures = 0
        probeInFlight = false
        openedAt = nil
        current = .closed
    }

    /// Reports a call that failed: a failed probe, or the threshold reached, opens the circuit.
    public func recordFailure() {
        advance()
        consecutiveFailures += 1
        if current == .halfOpen || consecutiveFailures >= failureThreshold {
            current = .open
            openedAt = now()
        }
        probeInFlight = false
    }

    /// Reports a call that ended without telling anything about the dependency (cancelled):
    /// frees the probe slot, changes nothing else.
    public func recordAbandoned() {
        probeInFlight = false
    }

    /// Runs `operation` if the circuit lets it, and records its outcome.
    ///
    /// - Parameters:
    ///   - countsAsFailure: whether an error says the dependency is unhealthy (a 400 caused by the
    ///     request does not). Defaults to every error. `CancellationError` never counts.
    /// - Throws: `CircuitOpenError` without calling `operation` when refused; else what it throws.
    public func run<T: Sendable>(
        countsAsFailure: @Sendable (any Error) -> Bool = { _ in true },
        _ operation: @Sendable () async throws -> T
    ) async throws -> T {
        guard tryAcquire() else {
            throw CircuitOpenError(state: current, retryAfter: remainingCoolDown() ?? .zero)
        }
        do {
            let value = try await operation()
            recordSuccess()
            return value
        } catch is CancellationError {
            recordAbandoned()
            throw CancellationError()
        } catch {
            if countsAsFailure(error) { recordFailure() } else { recordAbandoned() }
            throw error
        }
    }

    private func advance() {
        if current == .open, let openedAt, now() - openedAt >= coolDown {
            current = .halfOpen
            probeInFlight = false
        }
    }
}

/// A call refused because the circuit is open (or its probe is already in flight).
public struct CircuitOpenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The state that refused the call: `open` or `halfOpen`.
    public var state: CircuitBreaker.State
    /// How long until a probe may pass (zero when half open with a probe in flight).
    public var retryAfter: Duration

    /// A one-line explanation for logs and operators; never contains a secret.
    public var description: String {
        "circuit \(state.rawValue): call not attempted; next probe in \(retryAfter)"
    }
}
