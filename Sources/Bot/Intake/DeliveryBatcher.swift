/// Group commit for webhook deliveries.
///
/// Telegram delivers updates over up to `max_connections` concurrent requests, and each must be
/// answered only once its update is durable. Storing each in its own transaction serializes them
/// on the store's single writer, one commit each. Here, deliveries that arrive while a batch is
/// being stored wait, and then go into the next transaction together: one commit for all of them.
/// Each delivery still returns only once its own update is durable (or throws if it is not), so
/// the webhook's "200 means stored" holds per update.
///
/// There is no task of its own: the delivery that finds nobody writing leads, storing the batch
/// for everyone queued; when done, it wakes them and hands the lead to the first delivery that
/// queued meanwhile. A batch that fails is retried one update at a time, so one update the store
/// refuses cannot fail the deliveries that happened to share its transaction. The batch is stored
/// outside the leader's task, so a leader whose request is cancelled (the client went away) does
/// not cancel the others' transaction.
///
/// `Item` is what a delivery hands over: the bot's own is `IncomingUpdate`, an update with its
/// arrival record, which commits in the same transaction.
public actor DeliveryBatcher<Item: Sendable> {
    /// Stores a batch of items in one transaction; throws when nothing of it was stored.
    public typealias Store = @Sendable ([Item]) async throws -> Void

    /// What a waiting delivery is woken with.
    private enum Turn {
        case stored
        case failed(any Error)
        case lead
    }

    private struct Waiter {
        let item: Item
        /// nil for the leader, which is not waiting.
        var continuation: CheckedContinuation<Turn, Never>?
    }

    private let store: Store
    private let maximumBatch: Int
    private var queue: [Waiter] = []
    private var writing = false

    /// - Parameters:
    ///   - maximumBatch: The most updates in one transaction. Defaults to 100, the size of a
    ///     `getUpdates` batch.
    ///   - store: Stores a batch in one transaction (the update intake).
    public init(maximumBatch: Int = 100, store: @escaping Store) {
        self.maximumBatch = max(maximumBatch, 1)
        self.store = store
    }

    /// Deliveries queued for the next transaction (for tests).
    var waiting: Int { queue.count }

    /// Returns once `item` is durably stored, in a transaction it may share with concurrent
    /// deliveries; throws when it could not be stored.
    public func accept(_ item: Item) async throws {
        if writing {
            switch await withCheckedContinuation({ queue.append(Waiter(item: item, continuation: $0)) }) {
            case .stored: return
            case .failed(let error): throw error
            case .lead: break  // this delivery is at the head of `queue`, its continuation spent
            }
        } else {
            writing = true
            queue.append(Waiter(item: item, continuation: nil))
        }
        let batch = Array(queue.prefix(maximumBatch))
        queue.removeFirst(batch.count)
        let items = batch.map(\.item)
        let results = await Task { await storeBatch(items) }.value
        if let next = queue.indices.first {
            let continuation = queue[next].continuation
            queue[next].continuation = nil
            continuation?.resume(returning: .lead)
        } else {
            writing = false
        }
        for (waiter, result) in zip(batch, results) {
            switch result {
            case .success: waiter.continuation?.resume(returning: .stored)
            case .failure(let error): waiter.continuation?.resume(returning: .failed(error))
            }
        }
        // The leader's own update is the batch's first.
        try results[0].get()
    }

    /// One result per item: all from one transaction, or, if that failed, from one each.
    private func storeBatch(_ items: [Item]) async -> [Result<Void, any Error>] {
        do {
            try await store(items)
            return Array(repeating: .success(()), count: items.count)
        } catch where items.count > 1 {
            var results: [Result<Void, any Error>] = []
            for item in items {
                do {
                    try await store([item])
                    results.append(.success(()))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        } catch {
            return [.failure(error)]
        }
    }
}
