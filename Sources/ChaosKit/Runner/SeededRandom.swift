/// A small deterministic generator (SplitMix64) so that one seed reproduces a scenario's
/// randomness: flood order, fault probabilities.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed of scenario `name` in a run seeded with `runSeed`: stable across filters, job
    /// counts and file order, so `--seed` reproduces one scenario on its own.
    public static func scenarioSeed(runSeed: UInt64, name: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 // FNV-1a
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        var generator = SeededRandom(seed: runSeed ^ hash)
        return generator.next() & 0x7FFF_FFFF_FFFF_FFFF
    }
}
