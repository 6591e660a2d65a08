import Synchronization

/// What the bot's long-lived parts tell `/health` and the webhook endpoint about themselves:
/// the mode, whether a webhook is registered and the last Telegram error.
///
/// One instance per bot, shared by reference between the supervisor (which writes) and the HTTP
/// layer (which reads).
public final class RuntimeStatus: Sendable {
    private struct State {
        var mode: RuntimeMode = .starting
        var webhookSet = false
        var lastTelegramError: String?
        var pollingAsFallback = false
    }

    private let state = Mutex(State())

    public init() {}

    public var mode: RuntimeMode { state.withLock { $0.mode } }
    public var webhookSet: Bool { state.withLock { $0.webhookSet } }
    public var lastTelegramError: String? { state.withLock { $0.lastTelegramError } }
    /// Polling although a webhook URL is configured (setup failed or the watchdog fell back).
    public var pollingAsFallback: Bool { state.withLock { $0.pollingAsFallback } }
    /// Whether the bot is shutting down; deliveries then get 503.
    public var isStopping: Bool { mode == .stopping }

    /// Enters `mode`, unless the bot is already stopping (stopping is final). Returns whether the
    /// mode changed.
    @discardableResult
    public func enter(_ mode: RuntimeMode, asFallback: Bool = false) -> Bool {
        state.withLock { state in
            guard state.mode != .stopping, state.mode != mode || state.pollingAsFallback != asFallback else { return false }
            state.mode = mode
            state.pollingAsFallback = mode == .polling && asFallback
            return true
        }
    }

    public func setWebhookSet(_ isSet: Bool) {
        state.withLock { $0.webhookSet = isSet }
    }

    /// Records the last Telegram error (a description without secrets); nil clears it.
    public func setLastTelegramError(_ description: String?) {
        state.withLock { $0.lastTelegramError = description }
    }
}
