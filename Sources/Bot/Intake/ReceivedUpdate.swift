import Foundation

/// An update as the bot received it, from a webhook delivery or a `getUpdates` answer.
public struct ReceivedUpdate: Sendable, Equatable {
    /// The update; only its `updateID` when its content did not decode.
    public var update: Update
    /// The JSON as it arrived (the webhook's body, or the element of a `getUpdates` answer that
    /// did not decode); `nil` where the decoded `update` is all there is. Kept for dead letters.
    public var rawJSON: String?
    /// Why the content did not decode into the Bot API's shape, naming the field; `nil` when it did.
    public var undecodable: String?

    /// Creates a received update.
    /// - Parameters:
    ///   - rawJSON: Defaults to `nil`.
    ///   - undecodable: Defaults to `nil` (it decoded).
    public init(_ update: Update, rawJSON: String? = nil, undecodable: String? = nil) {
        self.update = update
        self.rawJSON = rawJSON
        self.undecodable = undecodable
    }

    /// The JSON a dead letter or the journal keeps: as it arrived, else the decoded update re-encoded.
    var keptJSON: String {
        if let rawJSON { return rawJSON }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(update)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"update_id":\#(update.updateID)}"#
    }
}

/// A valid update on its way into the store, with the journal's record of its arrival, which
/// commits in the same transaction.
public struct IncomingUpdate: Sendable, Equatable {
    /// The update.
    public var update: Update
    /// When and how it arrived; `nil` when nothing is journaled (no journal, or a dead letter
    /// retried by an operator, whose arrival was journaled when it first came).
    public var arrival: ReceivedUpdateRecord?

    /// Creates an incoming update.
    /// - Parameter arrival: Defaults to `nil`.
    public init(_ update: Update, arrival: ReceivedUpdateRecord? = nil) {
        self.update = update
        self.arrival = arrival
    }
}

/// What became of a received update. Every update ends in exactly one of these.
public enum UpdateDisposition: Sendable, Equatable {
    /// Stored (or already stored: a redelivery): Telegram may forget it.
    case processed
    /// It can never be processed: recorded as a dead letter. Telegram may forget it.
    case deadLettered(UpdateRejection)
    /// Storing it failed for a reason that may pass; it was tried `attempt` times. Telegram must
    /// deliver it again: the webhook answers 500, the poller does not confirm it.
    case retrying(attempt: Int, error: String)
    /// The store could not be reached (`StoreUnavailable`): no try is counted against the update.
    /// Telegram must deliver it again: the webhook answers 503, the poller does not confirm it.
    case storeUnavailable(String)

    /// Whether Telegram may forget the update (the webhook answers 200, the poller confirms it).
    public var isSettled: Bool {
        switch self {
        case .processed, .deadLettered: true
        case .retrying, .storeUnavailable: false
        }
    }
}
