import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// glibc's `malloc_trim`, which the resource monitor uses to keep the bot's resident memory near
/// what it holds: after a burst of updates glibc keeps freed memory in its arenas. Looked up with
/// `dlsym` because the Glibc module does not export it; elsewhere (or without glibc) it does
/// nothing and returns false.
///
/// Capping the arenas (`mallopt(M_ARENA_MAX, 2)` at start) was tried and dropped: after the
/// `memory-pressure` scenario's flood of large bodies the bot then stayed about 38 MiB above its
/// start and never came back under the warn level (docs/BENCHMARKS.md, "Bot core", "Memory").
public enum HeapAllocator {
    /// `malloc_trim(0)`: returns free heap pages of every arena to the OS. Returns whether any
    /// memory was released.
    @discardableResult
    public static func releaseFreeMemory() -> Bool {
        mallocTrim?(0) == 1
    }

    private typealias MallocTrim = @convention(c) (Int) -> Int32

    /// Looked up once, on first use.
    private static let mallocTrim: MallocTrim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: MallocTrim.self)
        #else
        return nil
        #endif
    }()
}

/// When the resource monitor gives free heap back to the OS: once the resident memory has grown
/// by `growthBytes` above its lowest since the last release (or the first reading), and either
/// the bot is quiet
/// (CPU under `quietCPUPercent` over the last check: the burst that grew the heap is over, so the
/// pages will not be needed again at once) or memory is under pressure.
struct HeapReleasePolicy: Sendable {
    var growthBytes: UInt64 = 8 << 20
    var quietCPUPercent = 10.0
    /// The lowest resident bytes since the last release (or since the first reading).
    private(set) var baseline: UInt64?

    /// Whether to release now, given the latest reading.
    mutating func shouldRelease(after snapshot: ResourceSnapshot) -> Bool {
        guard let baseline, snapshot.residentBytes > baseline else {
            self.baseline = snapshot.residentBytes
            return false
        }
        guard snapshot.residentBytes > baseline + growthBytes else { return false }
        return snapshot.pressure != .normal || snapshot.cpuPercent < quietCPUPercent
    }

    /// Records the resident bytes measured just after a release.
    mutating func released(residentBytes: UInt64) {
        baseline = residentBytes
    }
}
