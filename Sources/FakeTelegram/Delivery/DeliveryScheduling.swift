import Foundation
import MetroSupport

/// One attempt to deliver one update to a bot's webhook.
struct DeliveryJob: Sendable {
    let botID: Int64
    let updateID: Int64
    let queueKey: QueueKey
    let generation: UInt64
    let url: String
    let secretToken: String?
    let body: Data
    let fault: FaultPlan?
    let outage: Bool
}

/// How a delivery attempt ended.
enum DeliveryOutcome: Sendable {
    /// The webhook answered 2xx, with this body.
    case delivered(body: Data, contentType: String?)
    /// It did not: Telegram's `last_error_message` and the `Retry-After` the bot sent, if any.
    case failed(message: String, retryAfter: Int?)
}

extension FakeTelegramState {
    /// The attempts that may start now — the head of each chat's queue, up to `max_connections`
    /// per bot — and when the next retry falls due.
    func takeDeliveryJobs() -> (jobs: [DeliveryJob], nextDue: ContinuousClock.Instant?) {
        let now = ContinuousClock.now
        var jobs: [DeliveryJob] = []
        var nextDue: ContinuousClock.Instant?
        for botID in botOrder {
            guard let record = bots[botID], let webhook = record.webhook, !record.queue.isEmpty else { continue }
            var busy = record.inFlightKeys
            var inFlight = busy.count
            var seen = Set<QueueKey>()
            for index in record.queue.indices {
                guard inFlight < webhook.maxConnections else { break }
                let update = record.queue[index]
                guard seen.insert(update.queueKey).inserted, !busy.contains(update.queueKey) else { continue }
                if update.nextAttemptAt > now {
                    nextDue = min(nextDue ?? update.nextAttemptAt, update.nextAttemptAt)
                    continue
                }
                busy.insert(update.queueKey)
                inFlight += 1
                botRecord(botID).queue[index].inFlight = true
                botRecord(botID).statuses[update.id]?.state = .delivered
                botRecord(botID).statuses[update.id]?.attempts += 1
                jobs.append(
                    DeliveryJob(
                        botID: botID, updateID: update.id, queueKey: update.queueKey,
                        generation: record.webhookGeneration, url: webhook.url, secretToken: webhook.secretToken,
                        body: update.body, fault: fireFault(botID: botID, method: "delivery"), outage: record.outage))
            }
            botRecord(botID).inFlightKeys = busy
        }
        return (jobs, nextDue)
    }

    /// Records how an attempt ended; on success runs a method the webhook answered with.
    func finishDelivery(_ job: DeliveryJob, outcome: DeliveryOutcome) {
        guard bots[job.botID]?.webhookGeneration == job.generation else { return }
        botRecord(job.botID).inFlightKeys.remove(job.queueKey)
        defer { doorbell.ring() }
        guard let index = botRecord(job.botID).queue.firstIndex(where: { $0.id == job.updateID }) else { return }
        botRecord(job.botID).queue[index].inFlight = false
        switch outcome {
        case .delivered(let body, let contentType):
            botRecord(job.botID).queue.remove(at: index)
            botRecord(job.botID).statuses[job.updateID]?.state = .confirmed
            runWebhookAnswer(botID: job.botID, body: body, contentType: contentType)
        case .failed(let message, let retryAfter):
            botRecord(job.botID).lastErrorDate = Self.unixNow
            botRecord(job.botID).lastErrorMessage = message
            let delay = botRecord(job.botID).queue[index].retryDelay
            let wait = retryAfter.map { Duration.seconds(min(max($0, 0), 3600)) } ?? delay
            botRecord(job.botID).queue[index].nextAttemptAt = .now + wait
            botRecord(job.botID).queue[index].retryDelay = min(delay * 2, configuration.deliveryRetryMaxDelay)
        }
    }

    /// A 2xx webhook answer may carry a method call, executed as the real server does — except
    /// getters, setWebhook, deleteWebhook, close and logOut, which it ignores.
    private func runWebhookAnswer(botID: Int64, body: Data, contentType: String?) {
        guard !body.isEmpty,
            let params = try? MethodParameters.parse(query: [], contentType: contentType ?? "application/json", body: body),
            let method = params["method"]?.lowercased(), !method.isEmpty
        else { return }
        guard !["deletewebhook", "setwebhook", "close", "logout"].contains(method), !method.hasPrefix("get") else { return }
        _ = perform(botID: botID, method: method, params: params)
    }
}
