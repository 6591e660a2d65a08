import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prometheus
import Synchronization
import Testing

@testable import Bot

/// The bot's router over recording closures, served on an ephemeral loopback port.
private final class RouterHarness: Sendable {
    static let secret = "s3cr3t-Token_value"
    static let path = "/telegram/webhook"

    let accepted = Mutex<[ReceivedUpdate]>([])
    let stopping = Mutex(false)
    let failIntake = Mutex(false)
    let shutdowns = Mutex(0)
    let report = Mutex(RouterHarness.sampleReport)
    let metrics = BotMetrics()
    var registry: PrometheusCollectorRegistry { metrics.registry }

    func application(adminToken: String?) -> some ApplicationProtocol {
        let router = BotRouter.build(
            webhookPath: Self.path,
            webhook: WebhookEndpoint(
                secretToken: Self.secret,
                isStopping: { self.stopping.withLock { $0 } },
                accept: { received in
                    if self.failIntake.withLock({ $0 }) { return .retrying(attempt: 1, error: "refused by the test") }
                    self.accepted.withLock { $0.append(received) }
                    return received.undecodable == nil ? .processed : .deadLettered(UpdateRejection(.undecodable, "test"))
                }),
            admin: AdminEndpoint(adminToken: adminToken, shutdown: { self.shutdowns.withLock { $0 += 1 } }),
            metrics: metrics,
            health: { self.report.withLock { $0 } })
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static let sampleReport = HealthReport(
        status: .ok, mode: .webhook, uptimeSeconds: 12.5, version: "test",
        memory: .init(rssBytes: 10_485_760, limitBytes: 104_857_600, percent: 10),
        cpuPercent: 1.5, diskPercent: 42, pendingActions: 3,
        outbox: .init(queued: 2, oldestAgeSeconds: 4),
        telegram: .init(webhookSet: true, lastError: nil),
        sheets: .init(status: "ok", circuit: "closed"),
        location: .init(sites: 3),
        cleanup: .init(lastRun: Date(timeIntervalSince1970: 1_800_000_000), removedTotal: 7))
}

private func delivery(_ body: String, secret: String? = RouterHarness.secret) -> (HTTPFields, ByteBuffer) {
    var headers: HTTPFields = [.contentType: "application/json"]
    if let secret { headers[WebhookEndpoint.secretHeader] = secret }
    return (headers, ByteBuffer(string: body))
}

@Suite("Bot HTTP endpoints")
struct BotRouterTests {
    /// A report with every field set, for routes that only pass it on.
    static var sampleReport: HealthReport { RouterHarness.sampleReport }

    @Test(
        "webhook deliveries get the status DESIGN.md fixes and only good ones reach the intake",
        arguments: [
            (#"{"update_id": 7, "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "/start"}}"#, RouterHarness.secret, 200, true),
            (#"{"update_id": 8, "message_reaction": {"chat": {"id": 5}}}"#, RouterHarness.secret, 200, true),  // unknown kind: accepted, ignored later
            (#"{"update_id": 9}"#, nil, 401, false),
            (#"{"update_id": 9}"#, "wrong", 401, false),
            (#"{"update_id": 9}"#, RouterHarness.secret + "x", 401, false),
            (#"{"update_id": "#, RouterHarness.secret, 400, false),
            (#"{"message": {}}"#, RouterHarness.secret, 400, false),
            ("not json at all", RouterHarness.secret, 400, false),
            // The bodies that crashed Foundation's parser: never parsed, answered 400.
            (String(repeating: "[", count: 513), RouterHarness.secret, 400, false),
            (#"{"a":"# + String(repeating: "[", count: 512), RouterHarness.secret, 400, false),
            (#"{"update_id": 10, "x": "# + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}", RouterHarness.secret, 400, false),
            // An update whose content has the wrong shape: settled as a dead letter, never redelivered.
            (#"{"update_id": 11, "message": {"message_id": 1, "date": "yesterday", "chat": {"id": 5}}}"#, RouterHarness.secret, 200, true),
        ] as [(String, String?, Int, Bool)]
    )
    func webhookStatuses(body: String, secret: String?, status: Int, accepted: Bool) async throws {
        let harness = RouterHarness()
        try await harness.application(adminToken: nil).test(.live) { client in
            let (headers, buffer) = delivery(body, secret: secret)
            let response = try await client.execute(uri: RouterHarness.path, method: .post, headers: headers, body: buffer)
            #expect(response.status.code == status)
        }
        #expect(harness.accepted.withLock { $0.count } == (accepted ? 1 : 0))
    }

    @Test("an accepted delivery hands the decoded update to the intake")
    func decodedUpdate() async throws {
        let harness = RouterHarness()
        try await harness.application(adminToken: nil).test(.live) { client in
            let (headers, buffer) = delivery(#"{"update_id": 41, "message": {"message_id": 3, "date": 1700000000, "chat": {"id": 1001, "type": "private"}, "from": {"id": 1001, "is_bot": false, "first_name": "Ana"}, "location": {"latitude": 40.4168, "longitude": -3.7038}}}"#)
            let response = try await client.execute(uri: RouterHarness.path, method: .post, headers: headers, body: buffer)
            #expect(response.status == .ok)
        }
        let received = try #require(harness.accepted.withLock { $0.first })
        #expect(received.undecodable == nil)
        #expect(received.rawJSON?.hasPrefix(#"{"update_id": 41,"#) == true)
        let update = received.update
        #expect(update.updateID == 41)
        #expect(update.message?.location == Location(latitude: 40.4168, longitude: -3.7038))
        #expect(update.message?.from?.firstName == "Ana")
    }

    @Test("a body over 1 MiB gets 413 and is not accepted")
    func oversizedBody() async throws {
        let harness = RouterHarness()
        try await harness.application(adminToken: nil).test(.live) { client in
            let padding = String(repeating: "a", count: WebhookEndpoint.defaultMaximumBodyBytes)
            let (headers, buffer) = delivery(#"{"update_id": 1, "pad": "\#(padding)"}"#)
            let response = try await client.execute(uri: RouterHarness.path, method: .post, headers: headers, body: buffer)
            #expect(response.status == .contentTooLarge)
        }
        #expect(harness.accepted.withLock { $0.isEmpty })
    }

    @Test("while stopping, deliveries get 503 so Telegram redelivers them to the next instance")
    func stopping() async throws {
        let harness = RouterHarness()
        harness.stopping.withLock { $0 = true }
        try await harness.application(adminToken: nil).test(.live) { client in
            let (headers, buffer) = delivery(#"{"update_id": 5}"#)
            let response = try await client.execute(uri: RouterHarness.path, method: .post, headers: headers, body: buffer)
            #expect(response.status == .serviceUnavailable)
        }
        #expect(harness.accepted.withLock { $0.isEmpty })
    }

    @Test("a body nested exactly 64 levels deep is still parsed (the guard's limit is inclusive)")
    func nestingAtTheLimit() async throws {
        let harness = RouterHarness()
        try await harness.application(adminToken: nil).test(.live) { client in
            // The object itself is level 1: 63 more arrays make 64.
            let body = #"{"update_id": 12, "x": "# + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
            let (headers, buffer) = delivery(body)
            let response = try await client.execute(uri: RouterHarness.path, method: .post, headers: headers, body: buffer)
            #expect(response.status == .ok)
        }
        #expect(harness.accepted.withLock { $0.map(\.update.updateID) } == [12])
    }

    @Test("an update the store could not take gets 500, never 200")
    func intakeFailure() async throws {
        let harness = RouterHarness()
        harness.failIntake.withLock { $0 = true }
        try await harness.application(adminToken: nil).test(.live) { client in
            let (headers, buffer) = delivery(#"{"update_id": 5}"#)
            let response = try await client.execute(uri: RouterHarness.path, method: .post, headers: headers, body: buffer)
            #expect(response.status == .internalServerError)
        }
    }

    @Test(
        "POST /shutdown: 403 when disabled, 401 without the right bearer token, 202 with it",
        arguments: [
            (nil, "Bearer anything", 403, 0),
            ("adm1n", nil, 401, 0),
            ("adm1n", "Bearer wrong", 401, 0),
            ("adm1n", "adm1n", 401, 0),
            ("adm1n", "Basic adm1n", 401, 0),
            ("adm1n", "Bearer adm1n", 202, 1),
        ] as [(String?, String?, Int, Int)]
    )
    func shutdown(adminToken: String?, authorization: String?, status: Int, shutdowns: Int) async throws {
        let harness = RouterHarness()
        try await harness.application(adminToken: adminToken).test(.live) { client in
            var headers: HTTPFields = [:]
            if let authorization { headers[.authorization] = authorization }
            let response = try await client.execute(uri: "/shutdown", method: .post, headers: headers)
            #expect(response.status.code == status)
            #expect(!String(buffer: response.body).contains("adm1n"), "the token is never echoed")
        }
        #expect(harness.shutdowns.withLock { $0 } == shutdowns)
    }

    @Test("GET /health answers every DESIGN.md field in snake_case, 200 when ok, 503 when unhealthy or stopping")
    func health() async throws {
        let harness = RouterHarness()
        try await harness.application(adminToken: nil).test(.live) { client in
            let response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect(Set(json.keys) == ["status", "reasons", "mode", "uptime_s", "version", "memory", "cpu_percent", "disk_percent",
                                       "pending_actions", "outbox", "telegram", "sheets", "location", "cleanup",
                                       "dead_letters", "intake", "store"])
            #expect((json["store"] as? [String: Any])?["kind"] as? String == "sqlite")
            #expect(Set((json["dead_letters"] as? [String: Any])?.keys.map { $0 } ?? []) == ["count"],
                    "last_at and last_reason are absent (null) while there is no dead letter")
            #expect(json["status"] as? String == "ok")
            #expect(json["mode"] as? String == "webhook")
            let memory = try #require(json["memory"] as? [String: Any])
            #expect(memory["rss_bytes"] as? Int == 10_485_760)
            #expect(memory["limit_bytes"] as? Int == 104_857_600)
            let outbox = try #require(json["outbox"] as? [String: Any])
            #expect(outbox["queued"] as? Int == 2)
            #expect(outbox["oldest_age_s"] as? Double == 4)
            let telegram = try #require(json["telegram"] as? [String: Any])
            #expect(telegram["webhook_set"] as? Bool == true)
            let cleanup = try #require(json["cleanup"] as? [String: Any])
            #expect(cleanup["last_run"] as? String == "2027-01-15T08:00:00Z")
            #expect(cleanup["removed_total"] as? Int == 7)

            harness.report.withLock { $0.status = .unhealthy }
            #expect(try await client.execute(uri: "/health", method: .get).status == .serviceUnavailable)
            harness.report.withLock { $0.status = .ok; $0.mode = .stopping }
            #expect(try await client.execute(uri: "/health", method: .get).status == .serviceUnavailable)
            harness.report.withLock { $0.status = .degraded; $0.mode = .polling }
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }

    @Test("GET /metrics renders the registry in Prometheus text")
    func metrics() async throws {
        let harness = RouterHarness()
        let metrics = BotMetrics(registry: harness.registry)
        for _ in 0..<3 { metrics.updateHandled(kind: "message", outcome: "handled") }
        try await harness.application(adminToken: nil).test(.live) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: response.body)
            #expect(text.contains("# TYPE bot_updates_total counter"))
            #expect(text.contains(#"bot_updates_total{kind="message",outcome="handled"} 3"#))
        }
    }

    @Test("/metrics counts webhook deliveries by status and shows the levels of a fresh health report")
    func metricsDeliveriesAndLevels() async throws {
        let harness = RouterHarness()
        try await harness.application(adminToken: nil).test(.live) { client in
            for (body, secret) in [(#"{"update_id": 1}"#, RouterHarness.secret), (#"{"update_id": 2}"#, RouterHarness.secret),
                                   (#"{"update_id": 3}"#, "wrong"), ("{", RouterHarness.secret)] {
                let (headers, buffer) = delivery(body, secret: secret)
                _ = try await client.execute(uri: RouterHarness.path, method: .post, headers: headers, body: buffer)
            }
            harness.report.withLock { $0.outbox.queued = 17; $0.pendingActions = 5 }
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains(#"bot_webhook_deliveries_total{status="200"} 2"#), "\(text)")
            #expect(text.contains(#"bot_webhook_deliveries_total{status="401"} 1"#))
            #expect(text.contains(#"bot_webhook_deliveries_total{status="400"} 1"#))
            #expect(text.contains("bot_outbox_depth 17"))
            #expect(text.contains("bot_pending_actions 5"))
            #expect(text.contains("bot_resident_memory_bytes 10485760"))
        }
    }

    @Test("GET / is a self-contained page that reads /dashboard.json")
    func dashboard() async throws {
        let harness = RouterHarness()
        try await harness.application(adminToken: nil).test(.live) { client in
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: response.body)
            #expect(html.contains(#"fetch("dashboard.json""#))
            #expect(html.contains(#"name="viewport""#))
            #expect(!html.contains("http://") && !html.contains("https://"), "no CDN or other external resource")
        }
    }
}

@Suite("Health verdict and secret comparison")
struct HealthVerdictTests {
    @Test(
        "the verdict follows memory, outbox age, circuit, Telegram errors and fallback",
        arguments: [
            (MemoryPressure.normal, 0.0, "closed", nil, false, HealthReport.Status.ok),
            (.warning, 0.0, "closed", nil, false, .degraded),
            (.critical, 0.0, "closed", nil, false, .unhealthy),
            (.normal, 301.0, "closed", nil, false, .degraded),
            (.normal, 299.0, "closed", nil, false, .ok),
            (.normal, 0.0, "open", nil, false, .degraded),
            (.normal, 0.0, "half_open", nil, false, .degraded),
            (.normal, 0.0, "closed", "Conflict", false, .degraded),
            (.normal, 0.0, "closed", nil, true, .degraded),
        ] as [(MemoryPressure, Double, String, String?, Bool, HealthReport.Status)]
    )
    func verdict(pressure: MemoryPressure, oldest: Double, circuit: String, telegramError: String?, fallback: Bool,
                 expected: HealthReport.Status) {
        let (status, reasons) = HealthReport.verdict(
            pressure: pressure, outbox: .init(queued: 1, oldestAgeSeconds: oldest), circuit: circuit,
            telegramError: telegramError, pollingAsFallback: fallback)
        #expect(status == expected)
        #expect(reasons.isEmpty == (expected == .ok), "\(reasons)")
    }

    @Test(
        "constant-time comparison is plain equality in its results",
        arguments: [("abc", "abc", true), ("abc", "abd", false), ("abc", "abcd", false), ("", "", true), ("", "a", false), ("é", "e", false)]
    )
    func comparison(lhs: String, rhs: String, equal: Bool) {
        #expect(constantTimeEquals(lhs, rhs) == equal)
        #expect(constantTimeEquals(rhs, lhs) == equal)
    }
}
