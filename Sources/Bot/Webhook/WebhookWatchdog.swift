/// Judges, from two consecutive `getWebhookInfo` answers, whether Telegram is failing to deliver
/// updates to the bot's webhook.
///
/// Deliveries are failing when Telegram recorded an error since the previous check and still
/// holds undelivered updates, or when the number of pending updates grew between two checks that
/// both found some pending. A single error that Telegram's own retry already recovered from
/// (nothing pending) is not a failure: falling back for it would only cause churn.
public struct WebhookWatchdog: Sendable {
    /// What the previous check saw.
    public struct Observation: Sendable, Equatable {
        public var checkedAt: Int64
        public var pendingUpdateCount: Int

        public init(checkedAt: Int64, pendingUpdateCount: Int) {
            self.checkedAt = checkedAt
            self.pendingUpdateCount = pendingUpdateCount
        }
    }

    public init() {}

    /// The verdict on `info`, fetched at `now` (Unix seconds), given the previous observation;
    /// nil when deliveries look healthy, else why they do not.
    public func failure(of info: WebhookInfo, now: Int64, previous: Observation?) -> String? {
        let since = previous?.checkedAt ?? now
        if let lastErrorDate = info.lastErrorDate, lastErrorDate >= since, info.pendingUpdateCount > 0 {
            return "Telegram reports a delivery error (\(info.lastErrorMessage ?? "no message")) with \(info.pendingUpdateCount) update(s) pending"
        }
        if let previous, previous.pendingUpdateCount > 0, info.pendingUpdateCount > previous.pendingUpdateCount {
            return "pending updates grew from \(previous.pendingUpdateCount) to \(info.pendingUpdateCount)"
        }
        return nil
    }
}
