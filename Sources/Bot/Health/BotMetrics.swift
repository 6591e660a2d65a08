import CoreMetrics
import Prometheus

/// The bot's metrics, named for the events they count; `/metrics` renders them.
///
/// They are made through the factory passed in rather than the global `MetricsSystem`, so each
/// bot (and each test) has its own registry. The events among them that belong on an operator's
/// timeline — mode changes, webhook set-up, failed Telegram and Sheets calls, dead letters,
/// cleanup runs — also go to the event journal, when there is one: every part that reports to the
/// metrics so reports to the journal, through one seam.
public struct BotMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let journal: EventJournal?

    /// - Parameters:
    ///   - registry: where the metrics live. Defaults to a new, empty registry.
    ///   - journal: where timeline events go too. Defaults to none.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), journal: EventJournal? = nil) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
        self.journal = journal
    }

    /// An update went through the intake. `kind`: message, location, command, callback_query,
    /// edited_message, other; `outcome`: handled, duplicate, shed, ignored, or failed (it became
    /// a dead letter, counted by reason in `bot_dead_letters_total`).
    public func updateHandled(kind: String, outcome: String) {
        Counter(label: "bot_updates_total", dimensions: [("kind", kind), ("outcome", outcome)], factory: factory).increment()
    }

    /// An update became a dead letter; `reason` is `UpdateRejection.Code`'s label.
    public func deadLettered(reason: String, updateID: Int64? = nil, detail: String? = nil) {
        Counter(label: "bot_dead_letters_total", dimensions: [("reason", reason)], factory: factory).increment()
        journal?.record(JournalEvent(.deadLetter, severity: .warning, updateID: updateID,
                                     fields: ["reason": reason, "detail": detail ?? ""]))
    }

    /// A webhook delivery was answered with `status`.
    public func webhookDelivery(status: Int) {
        Counter(label: "bot_webhook_deliveries_total", dimensions: [("status", String(status))], factory: factory).increment()
    }

    /// The bot entered `mode`: its gauge is 1, every other mode's 0.
    /// - Parameter reason: why, for the journal. Defaults to none.
    public func modeChanged(to mode: RuntimeMode, reason: String? = nil) {
        var fields = ["mode": mode.rawValue]
        if let reason { fields["reason"] = reason }
        journal?.record(JournalEvent(.modeChanged, severity: reason == nil ? .info : .warning, fields: fields))
        for candidate in [RuntimeMode.starting, .webhook, .polling, .standby, .stopping] {
            Gauge(label: "bot_mode", dimensions: [("mode", candidate.rawValue)], factory: factory)
                .record(candidate == mode ? 1 : 0)
        }
    }

    /// One `setWebhook` try ended with `outcome` (success, failure).
    public func webhookSetupAttempt(outcome: String, error: String? = nil) {
        journal?.record(JournalEvent(.webhookSet, severity: error == nil ? .info : .warning,
                                     fields: ["outcome": outcome, "error": error ?? ""]))
        Counter(label: "bot_webhook_setup_attempts_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    /// The bot fell back from the webhook to polling.
    public func fellBackToPolling() {
        Counter(label: "bot_webhook_fallbacks_total", factory: factory).increment()
    }

    /// A Telegram Bot API call finished after `duration`; `errorCode` is the HTTP or Bot API
    /// error code when it failed ("timeout" or "transport" when there was none).
    /// - Parameters:
    ///   - retryAfter: Telegram's `retry_after`, for the journal. Defaults to none.
    ///   - detail: the error, for the journal (never with the token). Defaults to none.
    public func telegramRequest(method: String, duration: Duration, errorCode: String? = nil,
                                retryAfter: Duration? = nil, detail: String? = nil) {
        if let errorCode {
            journal?.record(Self.failure(.telegramFailure, "method", method, errorCode, duration, retryAfter, detail))
        }
        Timer(label: "bot_telegram_request_duration_seconds", dimensions: [("method", method)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
        if let errorCode {
            Counter(label: "bot_telegram_errors_total", dimensions: [("method", method), ("code", errorCode)], factory: factory)
                .increment()
        }
    }

    /// A Google call (`token`, `append`, `get`) finished after `duration`.
    public func sheetsRequest(operation: String, duration: Duration, errorCode: String? = nil,
                              retryAfter: Duration? = nil, detail: String? = nil) {
        if let errorCode {
            journal?.record(Self.failure(.sheetsFailure, "operation", operation, errorCode, duration, retryAfter, detail))
        }
        Timer(label: "bot_sheets_request_duration_seconds", dimensions: [("operation", operation)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
        if let errorCode {
            Counter(label: "bot_sheets_errors_total", dimensions: [("operation", operation), ("code", errorCode)], factory: factory)
                .increment()
        }
    }

    /// Current sizes: rows waiting for Sheets, open pending actions, resident memory.
    public func recordLevels(outboxDepth: Int, pendingActions: Int, residentBytes: UInt64) {
        Gauge(label: "bot_outbox_depth", factory: factory).record(outboxDepth)
        Gauge(label: "bot_pending_actions", factory: factory).record(pendingActions)
        Gauge(label: "bot_resident_memory_bytes", factory: factory).record(Double(residentBytes))
    }

    /// The Sheets circuit breaker went from `from` to `to` (journal only).
    public func circuitChanged(from: CircuitBreaker.State, to: CircuitBreaker.State) {
        journal?.record(JournalEvent(.circuitChanged, severity: to == .closed ? .info : .warning,
                                     fields: ["from": from.rawValue, "to": to.rawValue]))
    }

    /// Memory pressure changed to `pressure` at `percent` of the limit (journal only).
    public func resourceAlert(_ pressure: MemoryPressure, percent: Double) {
        journal?.record(JournalEvent(.resourceAlert, severity: pressure == .critical ? .error : pressure == .warning ? .warning : .info,
                                     fields: ["memory": "\(pressure)", "percent": "\((percent * 10).rounded() / 10)"]))
    }

    /// The outbox's oldest row has waited past threshold `level` (1–3: 1, 5, 30 minutes), or,
    /// with level 0, the backlog is gone (journal only).
    public func outboxBacklog(level: Int, oldestAgeSeconds: Double, queuedAtLeast: Int) {
        journal?.record(JournalEvent(.outboxBacklog, severity: level == 0 ? .info : level == 1 ? .warning : .error, fields: [
            "level": "\(level)", "oldest_age_s": "\(Int(oldestAgeSeconds))", "queued_at_least": "\(queuedAtLeast)",
        ]))
    }

    /// A cleanup run removed `removed` expired pending actions.
    public func cleanupRan(removed: Int) {
        journal?.record(JournalEvent(.cleanupRan, fields: ["removed": "\(removed)"]))
        Counter(label: "bot_cleanup_runs_total", factory: factory).increment()
        Counter(label: "bot_cleanup_removed_total", factory: factory).increment(by: Int64(removed))
    }
}

extension BotMetrics {
    /// The journal's record of a failed call.
    static func failure(_ kind: JournalEvent.Kind, _ key: String, _ name: String, _ code: String, _ duration: Duration,
                        _ retryAfter: Duration?, _ detail: String?) -> JournalEvent {
        var fields = [key: name, "code": code, "duration_ms": "\(duration.nanoseconds / 1_000_000)"]
        if let retryAfter { fields["retry_after_s"] = "\(retryAfter.components.seconds)" }
        if let detail { fields["error"] = detail }
        return JournalEvent(kind, severity: .warning, fields: fields)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
