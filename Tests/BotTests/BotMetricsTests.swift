import Prometheus
import Testing

@testable import Bot

@Suite("Bot metrics")
struct BotMetricsTests {
    @Test("events show up in the Prometheus text with their labels and values")
    func exposition() {
        let metrics = BotMetrics()
        metrics.updateHandled(kind: "location", outcome: "handled")
        metrics.updateHandled(kind: "location", outcome: "handled")
        metrics.updateHandled(kind: "message", outcome: "duplicate")
        metrics.webhookDelivery(status: 401)
        metrics.modeChanged(to: .polling)
        metrics.webhookSetupAttempt(outcome: "failure")
        metrics.fellBackToPolling()
        metrics.telegramRequest(method: "sendMessage", duration: .milliseconds(30))
        metrics.telegramRequest(method: "setWebhook", duration: .seconds(2), errorCode: "429")
        metrics.sheetsRequest(operation: "append", duration: .milliseconds(120), errorCode: "503")
        metrics.recordLevels(outboxDepth: 4, pendingActions: 12, residentBytes: 25_000_000)
        metrics.cleanupRan(removed: 5)
        metrics.cleanupRan(removed: 2)

        let text = metrics.registry.emitToString()
        let expectedLines = [
            #"bot_updates_total{kind="location",outcome="handled"} 2"#,
            #"bot_updates_total{kind="message",outcome="duplicate"} 1"#,
            #"bot_webhook_deliveries_total{status="401"} 1"#,
            #"bot_mode{mode="polling"} 1.0"#,
            #"bot_mode{mode="webhook"} 0.0"#,
            #"bot_webhook_setup_attempts_total{outcome="failure"} 1"#,
            "bot_webhook_fallbacks_total 1",
            #"bot_telegram_request_duration_seconds_count{method="sendMessage"} 1"#,
            #"bot_telegram_errors_total{method="setWebhook",code="429"} 1"#,
            #"bot_sheets_errors_total{operation="append",code="503"} 1"#,
            "bot_outbox_depth 4.0",
            "bot_pending_actions 12.0",
            "bot_resident_memory_bytes 25000000.0",
            "bot_cleanup_runs_total 2",
            "bot_cleanup_removed_total 7",
        ]
        let lines = Set(text.split(separator: "\n").map(String.init))
        for line in expectedLines {
            #expect(lines.contains(line), "missing: \(line)\n\(text)")
        }
        #expect(text.contains("# TYPE bot_telegram_request_duration_seconds histogram"))
    }

    @Test("each BotMetrics has its own registry")
    func isolation() {
        let first = BotMetrics()
        let second = BotMetrics()
        first.fellBackToPolling()
        #expect(first.registry.emitToString().contains("bot_webhook_fallbacks_total 1"))
        #expect(!second.registry.emitToString().contains("bot_webhook_fallbacks_total"))
    }
}
