import MetroSupport

extension SeededGenerator {
    /// The seed of scenario `name` in a run seeded with `runSeed`: stable across filters, job
    /// counts and file order, so `--seed` reproduces one scenario on its own.
    public static func scenarioSeed(runSeed: UInt64, name: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 // FNV-1a
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        var generator = SeededGenerator(seed: runSeed ^ hash)
        return generator.next() & 0x7FFF_FFFF_FFFF_FFFF
    }
}
