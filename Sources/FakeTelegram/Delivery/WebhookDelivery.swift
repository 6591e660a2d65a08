import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import MetroSupport

/// Delivers queued updates to the bots' webhooks for as long as the fake runs: in order within a
/// chat, in parallel across chats up to each webhook's `max_connections`, retrying failures with
/// growing delays. Owned by the server's lifetime (`run()` returns when the fake stops).
struct WebhookDelivery: Sendable {
    let state: FakeTelegramState
    let doorbell: Doorbell
    let httpClient: HTTPClient
    let configuration: FakeTelegram.Configuration
    let logger: Logger

    func run() async {
        await withDiscardingTaskGroup { group in
            var wakeScheduledAt: ContinuousClock.Instant?
            for await _ in doorbell.rings {
                if doorbell.isClosed { break }
                let (jobs, nextDue) = await state.takeDeliveryJobs()
                for job in jobs {
                    group.addTask {
                        let outcome = await attempt(job)
                        await state.finishDelivery(job, outcome: outcome)
                    }
                }
                if let nextDue, wakeScheduledAt.map({ nextDue < $0 || $0 < .now }) ?? true {
                    wakeScheduledAt = nextDue
                    group.addTask {
                        try? await Task.sleep(until: nextDue, clock: .continuous)
                        doorbell.ring()
                    }
                }
            }
            group.cancelAll()
        }
    }

    /// One POST of one update, with the fault rules for `delivery` applied first.
    func attempt(_ job: DeliveryJob) async -> DeliveryOutcome {
        var body = job.body
        if let fault = job.fault {
            if let delay = fault.delay { try? await Task.sleep(for: delay) }
            switch fault.action {
            case .timeout:
                try? await Task.sleep(for: configuration.deliveryTimeout)
                return .failed(message: "Read timeout expired", retryAfter: nil)
            case .reset, .close:
                return .failed(message: "Webhook connection closed", retryAfter: nil)
            case .garbage:
                body = Data("{\"update_id\":\(job.updateID),\"message\":{\u{1}".utf8)
            case nil:
                break
            }
            if let respond = fault.respond {
                let status = HTTPResponseStatus(statusCode: respond.status)
                if (200...299).contains(respond.status) { return .delivered(body: Data(), contentType: nil) }
                return .failed(
                    message: "Wrong response from the webhook: \(respond.status) \(status.reasonPhrase)",
                    retryAfter: respond.retryAfter)
            }
        }
        if job.outage { return .failed(message: "Connection refused", retryAfter: nil) }
        var request = HTTPClientRequest(url: job.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let secret = job.secretToken { request.headers.add(name: "X-Telegram-Bot-Api-Secret-Token", value: secret) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await httpClient.execute(request, deadline: .now() + .init(configuration.deliveryTimeout))
            let answer = try await response.body.collect(upTo: 1 << 20)
            let status = Int(response.status.code)
            guard (200...299).contains(status) else {
                let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                return .failed(
                    message: "Wrong response from the webhook: \(status) \(response.status.reasonPhrase)", retryAfter: retryAfter)
            }
            return .delivered(body: Data(answer.readableBytesView), contentType: response.headers.first(name: "Content-Type"))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .failed(message: "Read timeout expired", retryAfter: nil)
        } catch let error as HTTPClientError where error == .remoteConnectionClosed {
            return .failed(message: "Webhook connection closed", retryAfter: nil)
        } catch {
            logger.debug("webhook delivery failed", metadata: ["bot": "\(job.botID)", "error": "\(error)"])
            return .failed(message: Self.describe(error), retryAfter: nil)
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("refused") { return "Connection refused" }
        if text.localizedCaseInsensitiveContains("reset") || text.localizedCaseInsensitiveContains("closed") {
            return "Webhook connection closed"
        }
        return "Connection error"
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
