/// Where backoff jitter comes from: the system's generator in production, or a seeded SplitMix64
/// sequence so that a test or a chaos run can reproduce the same delays.
public struct JitterSource: RandomNumberGenerator, Sendable {
    private var state: UInt64?
    private var system = SystemRandomNumberGenerator()

    /// - Parameter seed: nil uses the system's generator.
    public init(seed: UInt64? = nil) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        guard var value = state else { return system.next() }
        value &+= 0x9E37_79B9_7F4A_7C15
        state = value
        var mixed = value
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
