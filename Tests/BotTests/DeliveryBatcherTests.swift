@testable import Bot
import Foundation
import Synchronization
import Testing

/// A store for the batcher that records its transactions, can hold the first one until told,
/// and refuses every batch that contains a given update.
private final class RecordingStore: Sendable {
    private let state = Mutex<(batches: [[Int64]], held: CheckedContinuation<Void, Never>?, holding: Bool)>(([], nil, false))
    let poison: Int64?

    init(holdFirst: Bool, poison: Int64? = nil) {
        self.poison = poison
        state.withLock { $0.holding = holdFirst }
    }

    var batches: [[Int64]] { state.withLock { $0.batches } }
    var isHolding: Bool { state.withLock { $0.held != nil } }

    func store(_ updates: [Update]) async throws {
        let ids = updates.map(\.updateID)
        let hold = state.withLock { state in
            defer { state.holding = false }
            return state.holding
        }
        if hold {
            await withCheckedContinuation { continuation in state.withLock { $0.held = continuation } }
        }
        try Task.checkCancellation()  // as GRDB's async access does
        if let poison, ids.contains(poison) { throw StoreRefused(ids: ids) }
        state.withLock { $0.batches.append(ids) }
    }

    func release() {
        let continuation = state.withLock { state in
            defer { state.held = nil }
            return state.held
        }
        continuation?.resume()
    }
}

private struct StoreRefused: Error, Equatable {
    let ids: [Int64]
}

private func update(_ id: Int64) -> Update {
    try! JSONDecoder().decode(Update.self, from: Data(#"{"update_id": \#(id)}"#.utf8))
}

@Suite struct DeliveryBatcherTests {
    @Test("deliveries arriving while a transaction is written share the next one, and each returns once stored")
    func groupCommit() async throws {
        let store = RecordingStore(holdFirst: true)
        let batcher = DeliveryBatcher(maximumBatch: 3) { try await store.store($0) }
        try await withThrowingTaskGroup(of: Int64.self) { group in
            group.addTask { try await batcher.accept(update(1)); return 1 }
            await eventually("the first transaction is being written") { store.isHolding }
            for id in Int64(2)...6 {
                group.addTask { try await batcher.accept(update(id)); return id }
            }
            await eventually("five deliveries wait") { await batcher.waiting == 5 }
            store.release()
            for try await id in group {
                #expect(store.batches.contains { $0.contains(id) }, "update \(id) returned before it was stored")
            }
        }
        // The one held alone, then the five that waited, at most three to a transaction.
        let batches = store.batches
        #expect(batches.first == [1])
        #expect(batches.dropFirst().map(\.count) == [3, 2], "\(batches)")
        #expect(Set(batches.joined()) == Set(1...6))
        #expect(await batcher.waiting == 0)
    }

    @Test("a transaction the store refuses is retried one update at a time: only the bad update fails")
    func failedBatchRetriedAlone() async throws {
        let store = RecordingStore(holdFirst: true, poison: 4)
        let batcher = DeliveryBatcher { try await store.store($0) }
        let results = try await withThrowingTaskGroup(of: (Int64, Bool).self) { group in
            group.addTask { (1, (try? await batcher.accept(update(1))) != nil) }
            await eventually("the first transaction is being written") { store.isHolding }
            for id in Int64(2)...5 {
                group.addTask { (id, (try? await batcher.accept(update(id))) != nil) }
            }
            await eventually("four deliveries wait") { await batcher.waiting == 4 }
            store.release()
            return try await group.reduce(into: [Int64: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(results == [1: true, 2: true, 3: true, 4: false, 5: true])
        // The shared transaction of 2, 3, 4 and 5 failed; then each was stored alone, but 4.
        let batches = store.batches
        #expect(batches.first == [1])
        #expect(batches.dropFirst().map(\.count) == [1, 1, 1], "\(batches)")
        #expect(Set(batches.joined()) == [1, 2, 3, 5])
    }

    @Test("a delivery whose request is cancelled while it waits, and then leads, still stores everyone's updates")
    func cancelledLeader() async throws {
        let store = RecordingStore(holdFirst: true)
        let batcher = DeliveryBatcher { try await store.store($0) }
        let first = Task { try await batcher.accept(update(1)) }
        await eventually("the first transaction is being written") { store.isHolding }
        let second = Task { try await batcher.accept(update(2)) }
        await eventually("the second delivery waits") { await batcher.waiting == 1 }
        let third = Task { try await batcher.accept(update(3)) }
        await eventually("the third delivery waits") { await batcher.waiting == 2 }
        second.cancel()  // it will lead the next transaction, for itself and the third
        store.release()
        try await first.value
        try await second.value
        try await third.value
        #expect(store.batches == [[1], [2, 3]])
    }

    @Test("a lone delivery that cannot be stored throws the store's error, and the next one leads again")
    func loneFailure() async throws {
        let store = RecordingStore(holdFirst: false, poison: 9)
        let batcher = DeliveryBatcher { try await store.store($0) }
        await #expect(throws: StoreRefused(ids: [9])) { try await batcher.accept(update(9)) }
        try await batcher.accept(update(10))
        #expect(store.batches == [[10]])
    }
}
