import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus

/// The bot's HTTP routes (DESIGN.md, "HTTP endpoints"). Every dependency is passed in, so tests
/// build the same router over their own store and fakes.
public enum BotRouter {
    /// - Parameters:
    ///   - webhookPath: `WEBHOOK_PATH`, where Telegram delivers updates.
    ///   - webhook: answers deliveries.
    ///   - admin: answers `POST /shutdown`, and holds the token rules of every admin route.
    ///   - deadLetters: answers `/admin/dead-letters`; `nil` leaves those routes out (tests of the
    ///     other routes). Defaults to `nil`.
    ///   - incident: answers `GET /admin/incident`; `nil` leaves it out. Defaults to `nil`.
    ///   - dashboard: answers `GET /dashboard.json`; `nil` leaves it out. Defaults to `nil`.
    ///   - metrics: counts webhook deliveries by status; `/metrics` renders its registry in
    ///     Prometheus text, after recording the current outbox depth, pending actions and RSS
    ///     from a fresh health report.
    ///   - health: builds a fresh health report.
    public static func build(
        webhookPath: String,
        webhook: WebhookEndpoint,
        admin: AdminEndpoint,
        deadLetters: DeadLetterEndpoint? = nil,
        incident: IncidentEndpoint? = nil,
        dashboard: DashboardEndpoint? = nil,
        metrics: BotMetrics,
        health: @escaping @Sendable () async -> HealthReport
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.post(RouterPath(webhookPath)) { request, context in
            let response = try await webhook.respond(to: request, context: context)
            metrics.webhookDelivery(status: Int(response.status.code))
            return response
        }
        router.get("/health") { _, _ in
            let report = await health()
            let body = try HealthReport.encoder.encode(report)
            return Response(
                status: .init(code: report.httpStatusCode),
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/metrics") { _, _ in
            let report = await health()
            metrics.recordLevels(outboxDepth: report.outbox.queued, pendingActions: report.pendingActions,
                                 residentBytes: report.memory.rssBytes)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
        router.post("/shutdown") { request, context in
            try await admin.respond(to: request, context: context)
        }
        if let deadLetters {
            router.get("/admin/dead-letters") { request, _ in
                if let refusal = admin.refusal(of: request) { return refusal }
                return try await deadLetters.list()
            }
            router.post("/admin/dead-letters/:update_id/retry") { request, context in
                if let refusal = admin.refusal(of: request) { return refusal }
                return try await deadLetters.retry(updateID: context.parameters.get("update_id") ?? "")
            }
        }
        if let dashboard {
            router.get("/dashboard.json") { request, _ in
                // Counts for anyone; names and raw updates only with the admin token.
                guard request.headers[.authorization] != nil else { return try await dashboard.respond(personal: false) }
                if let refusal = admin.refusal(of: request) { return refusal }
                return try await dashboard.respond(personal: true)
            }
        }
        if let incident {
            router.get("/admin/incident") { request, _ in
                if let refusal = admin.refusal(of: request) { return refusal }
                return try await incident.respond(to: request)
            }
        }
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Dashboard.html)))
        }
        return router
    }
}
