import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import MetroSupport

/// Serves `/bot<token>/<method>` (GET query, POST JSON, urlencoded or multipart form), applying
/// fault rules, holding long polls, and logging one line per request (the token never appears).
struct BotAPIMiddleware: RouterMiddleware {
    typealias Context = FakeTelegramRequestContext

    let state: FakeTelegramState
    let configuration: FakeTelegram.Configuration

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/bot") else { return try await next(request, context) }
        let started = ContinuousClock.now
        let rest = path.dropFirst(4)
        let token: Substring
        let method: Substring
        if let slash = rest.firstIndex(of: "/") {
            token = rest[..<slash]
            method = rest[rest.index(after: slash)...]
        } else {
            token = rest
            method = ""
        }
        let response = await answer(request, context: context, token: String(token), method: String(method))
        if configuration.logger.logLevel <= .info {
            let botLabel = token.split(separator: ":").first.map(String.init) ?? "?"
            let elapsed = ContinuousClock.now - started
            let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
            configuration.logger.info(
                "\(request.method) /bot<\(botLabel)>/\(method) \(response.status.code) \(String(format: "%.1f", milliseconds))ms")
        }
        return response
    }

    private func answer(_ request: Request, context: Context, token: String, method: String) async -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.maximumBodySize)
        } catch {
            return HTTPAnswers.botAPI(.failure(.entityTooLarge))
        }
        let params: MethodParameters
        do throws(BotAPIError) {
            let query = request.uri.query.map { FormURLEncoding.decode($0) } ?? []
            params = try MethodParameters.parse(
                query: query, contentType: request.headers[.contentType], body: Data(body.readableBytesView))
        } catch {
            return HTTPAnswers.botAPI(.failure(error))
        }
        var outcome: MethodOutcome
        switch await state.admit(token: token, method: method, params: params) {
        case .unauthorized:
            return HTTPAnswers.botAPI(.failure(.invalidToken))
        case .outcome(let result):
            outcome = result
        case .fault(let botID, let plan):
            // The journal says when a call arrived, also for one a `delay` holds.
            let at = Date()
            if let delay = plan.delay { try? await Task.sleep(for: delay) }
            let name = BotAPIMethod.byLowercasedName[method.lowercased()]?.rawValue ?? method
            switch plan.action {
            case .timeout:
                await state.record(botID, method: name, params: params.original, at: at, status: nil, faultID: plan.id, held: true)
                await state.waitForShutdown()
                return HTTPAnswers.botAPI(.failure(BotAPIError(code: 503, description: "Service Unavailable")))
            case .reset:
                await state.record(botID, method: name, params: params.original, at: at, status: nil, faultID: plan.id)
                return await HTTPAnswers.reset(context.channel)
            case .close:
                await state.record(botID, method: name, params: params.original, at: at, status: 200, faultID: plan.id)
                return HTTPAnswers.closeAfterHead(context.channel)
            case .garbage:
                await state.record(botID, method: name, params: params.original, at: at, status: 200, faultID: plan.id)
                return HTTPAnswers.garbage()
            case nil:
                break
            }
            if let respond = plan.respond {
                await state.record(botID, method: name, params: params.original, at: at, status: respond.status, faultID: plan.id)
                return HTTPAnswers.faultAnswer(respond)
            }
            outcome = await state.perform(botID: botID, method: method, params: params, arrivedAt: at, faultID: plan.id)
        }
        switch outcome {
        case .answer(let answer):
            return HTTPAnswers.botAPI(answer)
        case .poll(let ticket, let timeout):
            let (status, body) = await withTaskGroup(of: (status: Int, body: Data)?.self) { group in
                group.addTask { await state.awaitPoll(ticket) }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    await state.expirePoll(ticket)
                    return nil
                }
                var result: (status: Int, body: Data) = (200, BotAPIAnswer.success(.array([])).body)
                for await value in group {
                    if let value {
                        result = value
                        group.cancelAll()
                    }
                }
                return result
            }
            return HTTPAnswers.json(status, body)
        }
    }
}
