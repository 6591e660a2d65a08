import MetroSupport

/// Where backoff jitter comes from: the system's generator in production, or a seeded SplitMix64
/// sequence so that a test or a chaos run can reproduce the same delays.
public struct JitterSource: RandomNumberGenerator, Sendable {
    private var seeded: SeededGenerator?
    private var system = SystemRandomNumberGenerator()

    /// - Parameter seed: nil uses the system's generator.
    public init(seed: UInt64? = nil) {
        self.seeded = seed.map(SeededGenerator.init(seed:))
    }

    public mutating func next() -> UInt64 {
        guard var generator = seeded else { return system.next() }
        defer { seeded = generator }
        return generator.next()
    }
}
