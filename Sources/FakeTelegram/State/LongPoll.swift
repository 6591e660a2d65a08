import Foundation
import MetroSupport

/// A getUpdates request waiting for updates.
struct LongPoll: Sendable {
    let botID: Int64
    let limit: Int
    let params: JSONValue
    let startedAt: Date
    var continuation: CheckedContinuation<(status: Int, body: Data), Never>?
    var resolved: (status: Int, body: Data)?
}

extension FakeTelegramState {
    /// Opens a long poll; an open one of the same bot ends with 409 as the real server ends it.
    func openPoll(botID: Int64, limit: Int, params: JSONValue) -> UInt64 {
        endActivePoll(botID: botID, with: .otherGetUpdates)
        let ticket = nextPollTicket
        nextPollTicket += 1
        polls[ticket] = LongPoll(botID: botID, limit: limit, params: params, startedAt: Date())
        botRecord(botID).activePoll = ticket
        return ticket
    }

    func endActivePoll(botID: Int64, with error: BotAPIError) {
        guard let ticket = bots[botID]?.activePoll else { return }
        resolvePoll(ticket, status: error.code, body: BotAPIAnswer.failure(error).body)
    }

    /// Answers the poll with the bot's queued updates.
    func answerPoll(_ ticket: UInt64, botID: Int64, limit: Int) {
        let updates = handOut(botID: botID, limit: limit)
        resolvePoll(ticket, status: 200, body: BotAPIAnswer.success(.array(updates)).body)
    }

    /// Marks up to `limit` queued updates handed out and returns them.
    func handOut(botID: Int64, limit: Int) -> [JSONValue] {
        let count = min(limit, botRecord(botID).queue.count)
        var result: [JSONValue] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let update = botRecord(botID).queue[index]
            botRecord(botID).statuses[update.id]?.state = .delivered
            botRecord(botID).statuses[update.id]?.attempts += 1
            result.append(update.json)
        }
        return result
    }

    func resolvePoll(_ ticket: UInt64, status: Int, body: Data) {
        guard var poll = polls[ticket], poll.resolved == nil else { return }
        if bots[poll.botID]?.activePoll == ticket { botRecord(poll.botID).activePoll = nil }
        record(poll.botID, method: "getUpdates", params: poll.params, at: poll.startedAt, status: status)
        if let continuation = poll.continuation {
            polls[ticket] = nil
            continuation.resume(returning: (status, body))
        } else {
            poll.resolved = (status, body)
            polls[ticket] = poll
        }
    }

    /// Waits for the poll's answer.
    func awaitPoll(_ ticket: UInt64) async -> (status: Int, body: Data) {
        guard let poll = polls[ticket] else { return (200, BotAPIAnswer.success(.array([])).body) }
        if let resolved = poll.resolved {
            polls[ticket] = nil
            return resolved
        }
        return await withCheckedContinuation { continuation in
            polls[ticket]?.continuation = continuation
        }
    }

    /// The poll's timeout passed: answer an empty list.
    func expirePoll(_ ticket: UInt64) {
        resolvePoll(ticket, status: 200, body: BotAPIAnswer.success(.array([])).body)
    }
}
