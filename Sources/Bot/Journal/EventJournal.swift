import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import MetroSupport

/// The bot's event journal: events, and the arrivals of updates that were not stored, written to
/// the store in batches by this service, off the path of the update that caused them. A valid
/// update's arrival does not come here: it commits in the intake's own transaction, with the
/// update (`BotStore.recordUpdates`), which costs no transaction of its own and survives a
/// SIGKILL whenever the update does.
///
/// `record` never waits: an entry joins a buffer (beyond `bufferLimit` the newest are dropped and
/// counted) and rings a doorbell; `run()` takes everything that has gathered and writes it in one
/// transaction. The journal is the group's second service, so it is shut down after the others
/// and writes their last events, the stop included, before it returns. It is diagnostic, not a
/// source of truth: entries buffered when the process is killed are lost; the updates they
/// describe are not.
public final class EventJournal: Service, Sendable {
    /// Rows kept per table beyond which the cleanup job prunes the oldest, whatever their age.
    public static let maximumRows = 100_000
    /// The largest update kept whole (64 KiB; Telegram's own are a few hundred bytes). A larger one
    /// is journaled as its id and size, so that a flood of 1 MiB bodies cannot fill memory or disk.
    public static let maximumRawBytes = 64 << 10
    /// Bytes of raw updates the buffer holds while the writer is busy (8 MiB); beyond it, arrivals
    /// are dropped and counted, as beyond `bufferLimit` entries.
    public static let maximumBufferedBytes = 8 << 20

    private struct Buffer {
        var events: [JournalEvent] = []
        var updates: [ReceivedUpdateRecord] = []
        var dropped = 0
        var bytes = 0
        var count: Int { events.count + updates.count }
    }

    private let database: any BotStore
    private let logger: Logger
    private let bufferLimit: Int
    private let buffer = Mutex(Buffer())
    private let doorbell = Doorbell()

    /// - Parameter bufferLimit: Entries held while the writer is busy. Defaults to 10,000.
    public init(database: any BotStore, logger: Logger, bufferLimit: Int = 10_000) {
        self.database = database
        self.logger = logger
        self.bufferLimit = max(bufferLimit, 1)
    }

    /// Records `event`; returns at once.
    public func record(_ event: JournalEvent) {
        admit(bytes: 0) { $0.events.append(event) }
    }

    /// Records the arrival of an update that is not stored with it: one rejected as a dead letter,
    /// or one whose transaction failed (valid updates' arrivals commit with them, in the intake's
    /// transaction). Returns at once.
    public func record(_ arrival: ReceivedUpdateRecord) {
        admit(bytes: arrival.raw.utf8.count) { $0.updates.append(arrival) }
    }

    /// Adds an entry of `bytes` bytes to the buffer with `add` and rings the writer, unless the
    /// buffer is full (`bufferLimit` entries, or `maximumBufferedBytes`): then the entry is
    /// dropped and counted.
    private func admit(bytes: Int, _ add: (inout Buffer) -> Void) {
        let accepted = buffer.withLock { buffer in
            guard buffer.count < bufferLimit, buffer.bytes + bytes <= Self.maximumBufferedBytes else {
                buffer.dropped += 1
                return false
            }
            add(&buffer)
            buffer.bytes += bytes
            return true
        }
        if accepted { doorbell.ring() }
    }

    /// Writes what gathers until graceful shutdown, then what is left, and returns.
    public func run() async {
        for await _ in doorbell.rings.cancelOnGracefulShutdown() {
            await flush()
        }
        await flush()
    }

    /// Writes everything recorded so far in one transaction.
    func flush() async {
        let taken = buffer.withLock { buffer in
            defer { buffer = Buffer() }
            return buffer
        }
        if taken.dropped > 0 {
            logger.warning("event journal: buffer full, entries dropped", metadata: ["dropped": "\(taken.dropped)"])
        }
        guard taken.count > 0 else { return }
        do {
            try await database.appendJournal(events: taken.events, updates: taken.updates)
        } catch {
            logger.warning("event journal: could not write entries", metadata: ["count": "\(taken.count)", "error": "\(error)"])
        }
    }
}
