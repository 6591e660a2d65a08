import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The two glibc allocator controls the bot uses to keep its resident memory near what it holds.
///
/// glibc gives each thread that allocates concurrently an arena of its own (up to 8 per core),
/// and keeps freed memory in them. After a burst of updates the process keeps tens of MiB it no
/// longer uses (docs/BENCHMARKS.md, "Bot core", "Memory"). `metro-bot` caps the arenas at start
/// and the cleanup job hands free memory back after each run. Both functions are looked up with
/// `dlsym` because the Glibc module does not export them; elsewhere (or without glibc) they do
/// nothing and return false.
public enum HeapAllocator {
    /// `mallopt(M_ARENA_MAX, count)`: at most `count` malloc arenas. Call before other threads
    /// allocate. Returns whether glibc accepted it.
    @discardableResult
    public static func limitArenas(to count: Int32) -> Bool {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "mallopt") else { return false }
        let arenaMax: Int32 = -8  // M_ARENA_MAX in <malloc.h>
        return unsafeBitCast(symbol, to: Mallopt.self)(arenaMax, count) == 1
        #else
        return false
        #endif
    }

    /// `malloc_trim(0)`: returns free heap pages of every arena to the OS. Returns whether any
    /// memory was released.
    @discardableResult
    public static func releaseFreeMemory() -> Bool {
        #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return false }
        return unsafeBitCast(symbol, to: MallocTrim.self)(0) == 1
        #else
        return false
        #endif
    }
}

/// When the resource monitor gives free heap back to the OS: once the resident memory has grown
/// by `growthBytes` since the last release (or the first reading), and either the bot is quiet
/// (CPU under `quietCPUPercent` over the last check: the burst that grew the heap is over, so the
/// pages will not be needed again at once) or memory is under pressure.
struct HeapReleasePolicy: Sendable {
    var growthBytes: UInt64 = 8 << 20
    var quietCPUPercent = 10.0
    /// Resident bytes after the last release, or at the first reading.
    private(set) var baseline: UInt64?

    /// Whether to release now, given the latest reading.
    mutating func shouldRelease(after snapshot: ResourceSnapshot) -> Bool {
        guard let baseline else {
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
