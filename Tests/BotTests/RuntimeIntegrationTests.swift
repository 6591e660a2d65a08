import AsyncHTTPClient
import Bot
import FakeTelegram
import Foundation
import NIOHTTP1
import Testing
import MetroSupport

/// Check-in through whatever path the bot is on: /checkin, then a location at Madrid HQ.
private func checkIn(_ world: BotWorld, user: Int64) async throws {
    try await world.telegram.sendUserMessage(userID: user, text: "/checkin", firstName: "Ana")
    try await eventually("the bot asked user \(user) for the location") {
        try await world.sentTexts(to: user).count >= 1
    }
    try await world.telegram.sendLocation(userID: user, latitude: 40.4168, longitude: -3.7038)
}

private func rowsFor(_ user: Int64, in world: BotWorld) async throws -> [[String]] {
    try await world.sheetRows().filter { $0.count > 1 && $0[1] == String(user) }
}

@Suite("Bot runtime against the fakes", .serialized)
struct RuntimeIntegrationTests {
    @Test("webhook mode: a check-in delivered to the webhook lands once in the sheet and is confirmed")
    func webhookCheckIn() async throws {
        try await BotWorld.withBot { world in
            try await eventually("webhook mode") { try await world.health()["mode"] as? String == "webhook" }
            let setCalls = try await world.telegram.calls(method: "setWebhook")
            #expect(setCalls.count == 1)
            #expect(setCalls.first?.status == 200)
            try await checkIn(world, user: 1001)
            try await eventually("one row for 1001") { try await rowsFor(1001, in: world).count == 1 }
            try await eventually("the confirmation") {
                try await world.sentTexts(to: 1001).contains { $0.hasPrefix("Checked in at Madrid HQ") }
            }
            #expect(try await world.telegram.calls(method: "getUpdates").isEmpty, "never polls while the webhook is set")
            try await eventually("the second delivery's answer and the append's answer recorded") {
                // The fake shows the row a moment before the bot has read the append's answer.
                let metrics = try await world.request("/metrics").body
                return metrics.contains(#"bot_webhook_deliveries_total{status="200"} 2"#)
                    && metrics.contains(#"bot_sheets_request_duration_seconds_count{operation="append"} 1"#)
            }
            let metrics = try await world.request("/metrics").body
            // The labels BotMetrics documents: the kind of update and handled / duplicate / shed / ignored / failed.
            #expect(metrics.contains(#"bot_updates_total{kind="command",outcome="handled"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"bot_updates_total{kind="location",outcome="handled"} 1"#))
            #expect(metrics.contains(#"bot_telegram_request_duration_seconds_count{method="setWebhook"} 1"#))
            #expect(metrics.contains(#"bot_telegram_request_duration_seconds_count{method="sendMessage"}"#))
            #expect(metrics.contains(#"bot_sheets_request_duration_seconds_count{operation="token"} 1"#))
            #expect(metrics.contains("bot_cleanup_runs_total 1"))
            #expect(metrics.contains("bot_outbox_depth 0"))
            let health = try await world.health()
            #expect(health["status"] as? String == "ok")
            #expect((health["telegram"] as? [String: Any])?["webhook_set"] as? Bool == true)
        }
    }

    @Test("on DATABASE_URL's PostgreSQL store the whole bot works: a check-in lands once, /health names the store")
    func postgresStore() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let url = "postgres://\(settings.username):\(settings.password ?? "")@\(settings.host):\(settings.port)/\(settings.database)?sslmode=disable"
            try await BotWorld.withBot(environment: ["DATABASE_URL": url]) { world in
                #expect(world.services.database.kind == .postgres)
                try await eventually("webhook mode") { try await world.health()["mode"] as? String == "webhook" }
                try await checkIn(world, user: 1002)
                try await eventually("one row for 1002") { try await rowsFor(1002, in: world).count == 1 }
                try await eventually("the confirmation") {
                    try await world.sentTexts(to: 1002).contains { $0.hasPrefix("Checked in at Madrid HQ") }
                }
                try await eventually("the outbox emptied") { try await world.services.database.outboxStatus().queued == 0 }
                let health = try await world.health()
                #expect((health["store"] as? [String: Any])?["kind"] as? String == "postgres")
                #expect(health["status"] as? String == "ok", "\(health)")
            }
        }
    }

    @Test("a PostgreSQL outage: deliveries fail and Telegram redelivers them; after it the update is handled once")
    func postgresOutage() async throws {
        try await PostgresTestServer.withDatabase { settings in
            let url = "postgres://\(settings.username):\(settings.password ?? "")@\(settings.host):\(settings.port)/\(settings.database)?sslmode=disable"
            let admin = try PostgresTestServer.admin()
            try await BotWorld.withBot(environment: ["DATABASE_URL": url]) { world in
                try await eventually("webhook mode") { try await world.health()["mode"] as? String == "webhook" }
                // The outage: every session of the bot's database ended, no new one accepted.
                try await PostgresTestServer.execute("ALTER DATABASE \(settings.database) WITH ALLOW_CONNECTIONS false", on: admin)
                try await PostgresTestServer.execute("""
                    SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = '\(settings.database)'
                    """, on: admin)
                let update = try await world.telegram.sendUserMessage(userID: 1003, text: "/checkin", firstName: "Ana")
                try await eventually("the delivery refused and tried again", limit: .seconds(90)) {
                    (try await world.telegram.updateState(updateID: update.updateID))?.attempts ?? 0 >= 2
                }
                #expect(try await world.telegram.updateState(updateID: update.updateID)?.state != .confirmed)
                try await PostgresTestServer.execute("ALTER DATABASE \(settings.database) WITH ALLOW_CONNECTIONS true", on: admin)
                try await eventually("the redelivery accepted", limit: .seconds(120)) {
                    try await world.telegram.updateState(updateID: update.updateID)?.state == .confirmed
                }
                try await eventually("the request for a location sent") { try await world.sentTexts(to: 1003).count >= 1 }
                let metrics = try await world.request("/metrics").body
                #expect(metrics.contains(#"bot_updates_total{kind="command",outcome="handled"} 1"#), "handled once: \(metrics)")
                #expect(try await world.sentTexts(to: 1003).count == 1)
                #expect(try await world.services.database.deadLetterSummary().count == 0, "an outage makes no dead letter")
            }
        }
    }

    @Test("deliveries arriving together share transactions: each is answered 200, handled once, and replied to once")
    func concurrentDeliveries() async throws {
        try await BotWorld.withBot(environment: ["WEBHOOK_SECRET": "concurrent-secret"]) { world in
            try await eventually("webhook mode") { try await world.health()["mode"] as? String == "webhook" }
            // 40 users at once: the fake delivers their updates concurrently, one connection per chat.
            let users = Array(Int64(2001)...2040)
            let updateIDs = try await withThrowingTaskGroup(of: Int64.self) { group in
                for user in users {
                    group.addTask { try await world.telegram.sendUserMessage(userID: user, text: "/checkin", firstName: "Ana").updateID }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            for user in users {
                try await eventually("user \(user) asked for the location") { try await world.sentTexts(to: user).count == 1 }
            }
            for updateID in updateIDs {
                #expect(try await world.telegram.updateState(updateID: updateID)?.state == .confirmed, "update \(updateID)")
            }
            // One more update POSTed ten times at once, as a Telegram retrying on a slow answer might.
            let help = #"{"update_id": 999001, "message": {"message_id": 77, "date": 1, "chat": {"id": 2001, "type": "private"}, "from": {"id": 2001, "is_bot": false, "first_name": "Ana"}, "text": "/help"}}"#
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await world.request("/telegram/webhook", method: .POST,
                                                headers: [("X-Telegram-Bot-Api-Secret-Token", "concurrent-secret"),
                                                          ("Content-Type", "application/json")],
                                                body: help).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 10))
            try await eventually("the /help answer") { try await world.sentTexts(to: 2001).count == 2 }
            let metrics = try await world.request("/metrics").body
            // 40 /checkin and one /help handled; the nine copies of /help were duplicates.
            #expect(metrics.contains(#"bot_updates_total{kind="command",outcome="handled"} 41"#), "\(metrics)")
            #expect(metrics.contains(#"bot_updates_total{kind="command",outcome="duplicate"} 9"#), "\(metrics)")
            #expect(try await world.sentTexts(to: 2001).count == 2, "the copies of /help were not answered again")
        }
    }

    @Test("setWebhook failing twice then succeeding takes three tries and ends in webhook mode")
    func setupRetries() async throws {
        try await BotWorld.withBot(beforeStart: { telegram in
            _ = try await telegram.addFault(.failing("setWebhook", status: 502, times: 2))
        }) { world in
            try await eventually("webhook mode") { try await world.health()["mode"] as? String == "webhook" }
            let calls = try await world.telegram.calls(method: "setWebhook")
            #expect(calls.map(\.status) == [502, 502, 200])
            #expect(try await world.telegram.calls(method: "getUpdates").isEmpty)
            let metrics = try await world.request("/metrics").body
            #expect(metrics.contains(#"bot_webhook_setup_attempts_total{outcome="failure"} 2"#))
            #expect(metrics.contains(#"bot_webhook_setup_attempts_total{outcome="success"} 1"#))
            #expect(metrics.contains(#"bot_telegram_errors_total{method="setWebhook",code="502"} 2"#), "\(metrics)")
        }
    }

    @Test("one failed getWebhookInfo makes /health degraded only until the next healthy check")
    func transientWatchdogFailure() async throws {
        try await BotWorld.withBot { world in
            try await eventually("webhook mode, ok") {
                let health = try await world.health()
                return health["mode"] as? String == "webhook" && health["status"] as? String == "ok"
            }
            _ = try await world.telegram.addFault(.failing("getWebhookInfo", status: 503, times: 1))
            try await eventually("the failure seen") {
                ((try await world.health()["telegram"] as? [String: Any])?["last_error"] as? String)?.contains("503") == true
            }
            try await eventually("ok again") {
                let health = try await world.health()
                return health["status"] as? String == "ok" && (health["telegram"] as? [String: Any])?["last_error"] == nil
            }
        }
    }

    @Test("setWebhook never succeeding: the bot polls and still handles check-ins")
    func setupFailsFallsBackToPolling() async throws {
        try await BotWorld.withBot(beforeStart: { telegram in
            _ = try await telegram.addFault(.failing("setWebhook", status: 500))
        }) { world in
            try await eventually("polling mode") { try await world.health()["mode"] as? String == "polling" }
            #expect(try await world.telegram.calls(method: "setWebhook").count >= 3)
            #expect(try await world.telegram.calls(method: "deleteWebhook").allSatisfy { $0.status == 200 })
            try await checkIn(world, user: 1002)
            try await eventually("one row for 1002") { try await rowsFor(1002, in: world).count == 1 }
            let health = try await world.health()
            #expect(health["status"] as? String == "degraded", "polling as a fallback is worth a look")
        }
    }

    @Test("webhook outage: the watchdog falls back to polling, returns when it heals, nothing lost or doubled")
    func outageFallbackAndReturn() async throws {
        try await BotWorld.withBot(environment: ["WEBHOOK_WATCHDOG_INTERVAL": "200ms"]) { world in
            try await eventually("webhook mode") { try await world.health()["mode"] as? String == "webhook" }
            try await world.telegram.setWebhookOutage(true)
            try await world.telegram.sendUserMessage(userID: 1003, text: "/checkin", firstName: "Bo")
            try await eventually("fallback to polling", limit: .seconds(30)) {
                try await world.health()["mode"] as? String == "polling"
            }
            try await eventually("the queued /checkin answered through polling") {
                try await world.sentTexts(to: 1003).count == 1
            }
            try await world.telegram.sendLocation(userID: 1003, latitude: 40.4168, longitude: -3.7038)
            try await eventually("one row for 1003") { try await rowsFor(1003, in: world).count == 1 }

            try await world.telegram.setWebhookOutage(false)
            try await eventually("back to webhook", limit: .seconds(30)) {
                try await world.health()["mode"] as? String == "webhook"
            }
            try await checkIn(world, user: 1004)
            try await eventually("one row for 1004") { try await rowsFor(1004, in: world).count == 1 }
            // Nothing doubled: one row each, one reply per update.
            #expect(try await rowsFor(1003, in: world).count == 1)
            #expect(try await world.sentTexts(to: 1003).count == 2)
            let updateIDs = try await world.sheetRows().compactMap { $0.last }
            #expect(Set(updateIDs).count == updateIDs.count, "no update_id twice in the sheet")
        }
    }

    @Test("POST /shutdown with the admin token stops the bot gracefully; without it, nothing happens")
    func adminShutdown() async throws {
        try await BotWorld.withBot(webhook: false) { world in
            try await eventually("polling mode") { try await world.health()["mode"] as? String == "polling" }
            #expect(try await world.request("/shutdown", method: .POST).status == 401)
            #expect(try await world.request("/shutdown", method: .POST, headers: [("Authorization", "Bearer nope")]).status == 401)
            #expect(try await world.health()["mode"] as? String == "polling")
            let accepted = try await world.request("/shutdown", method: .POST, headers: [("Authorization", "Bearer \(world.adminToken)")])
            #expect(accepted.status == 202)
            #expect(!accepted.body.contains(world.adminToken))
            await eventually("stopping") { world.services.status.isStopping }
            await eventually("the HTTP server closed") { (try? await world.request("/health", timeout: .milliseconds(500))) == nil }
        }
    }
}

@Suite("The bot's HTTP client")
struct HTTPClientConcurrencyTests {
    @Test("replies to 32 chats are in flight together, beside the long poll: a connection for every chat the sender serves at once")
    func repliesInFlightTogether() async throws {
        let users = Array(Int64(3001)...3032)
        #expect(users.count == ReplySender.defaultMaxConcurrentChats)
        try await BotWorld.withBot(webhook: false, beforeStart: { telegram in
            // Queued before the bot starts, so that its first getUpdates takes them all and its
            // first pass of the reply sender has a reply for each chat.
            for user in users { try await telegram.sendUserMessage(userID: user, text: "/help", firstName: "Ana") }
            _ = try await telegram.addFault(TelegramFaultRule(match: .init(method: "sendMessage"), delay: .seconds(3)))
        }) { world in
            try await eventually("every user answered", limit: .seconds(30)) {
                try await world.telegram.calls(method: "sendMessage").count >= users.count
            }
            // Each send is held for 3 s by the fault. In flight together, they reach the fake within
            // a moment of each other (the journal's `at` is when a call arrived). Through
            // AsyncHTTPClient's default of 8 connections per host they arrived in five waves 3 s
            // apart (7 connections beside the long poll), and with 32 connections the last reply
            // waited 3 s for one.
            let arrived = try await world.telegram.calls(method: "sendMessage").prefix(users.count).map(\.at)
            let first = try #require(arrived.min())
            let spread = try #require(arrived.max()).timeIntervalSince(first)
            #expect(spread < 2.5, "the 32 replies arrived over \(spread) s: \(arrived.map { $0.timeIntervalSince(first) })")
        }
    }
}
