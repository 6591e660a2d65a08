import Foundation
import Hummingbird
import NIOCore
import MetroSupport

/// The control API (`/control/…`): inject user actions and updates, read transcripts, the call
/// journal and update states, manage faults and webhook outages, reset. Routes take `?bot=<id>`;
/// without it they address the first registered bot.
struct ControlRoutes: Sendable {
    let fake: FakeTelegram

    func register(on router: Router<FakeTelegramRequestContext>) {
        let fake = self.fake
        router.post("/control/bots") { request, context in
            try await handle {
                let body = try await Self.object(request, context, required: false)
                let bot = await fake.registerBot(
                    username: body["username"]?.stringValue ?? "metropolitan_test_bot",
                    firstName: body["first_name"]?.stringValue ?? "Metropolitan")
                return HTTPAnswers.json(200, Self.botJSON(bot))
            }
        }
        router.get("/control/bots") { _, _ in
            HTTPAnswers.json(200, .array(await fake.registeredBots().map(Self.botJSON)))
        }
        router.post("/control/users/{id}/messages") { request, context in
            try await handle {
                let body = try await Self.object(request, context)
                guard let text = body["text"]?.stringValue else { throw ControlError.bad("\"text\" (a string) is required") }
                let injected = try await fake.sendUserMessage(
                    userID: try Self.int64(context, "id"), text: text, firstName: body["first_name"]?.stringValue,
                    username: body["username"]?.stringValue, bot: try Self.bot(request))
                return HTTPAnswers.json(200, injected.json)
            }
        }
        router.post("/control/users/{id}/locations") { request, context in
            try await handle {
                let body = try await Self.object(request, context)
                guard let latitude = body["latitude"]?.doubleValue, let longitude = body["longitude"]?.doubleValue else {
                    throw ControlError.bad("\"latitude\" and \"longitude\" (numbers) are required")
                }
                let injected = try await fake.sendLocation(
                    userID: try Self.int64(context, "id"), latitude: latitude, longitude: longitude, bot: try Self.bot(request))
                return HTTPAnswers.json(200, injected.json)
            }
        }
        router.post("/control/users/{id}/callbacks") { request, context in
            try await handle {
                let body = try await Self.object(request, context)
                guard let data = body["data"]?.stringValue else { throw ControlError.bad("\"data\" (a string) is required") }
                if body["message_id"] != nil && body["message_id"]?.intValue == nil {
                    throw ControlError.bad("\"message_id\" must be an integer")
                }
                let injected = try await fake.sendCallback(
                    userID: try Self.int64(context, "id"), data: data, messageID: body["message_id"]?.intValue,
                    bot: try Self.bot(request))
                return HTTPAnswers.json(200, injected.json)
            }
        }
        router.post("/control/updates") { request, context in
            try await handle {
                let body = try await Self.object(request, context)
                let injected = try await fake.injectUpdate(.object(body), bot: try Self.bot(request))
                return HTTPAnswers.json(200, .object(["update_id": .int(injected.updateID)]))
            }
        }
        router.get("/control/updates/{id}") { request, context in
            try await handle {
                let id = try Self.int64(context, "id")
                guard let status = try await fake.updateState(updateID: id, bot: try Self.bot(request)) else {
                    return HTTPAnswers.controlError(404, "no update \(id) was made for this bot")
                }
                return HTTPAnswers.json(200, status.json)
            }
        }
        router.get("/control/chats/{id}/messages") { request, context in
            try await handle {
                let messages = try await fake.chatMessages(chatID: try Self.int64(context, "id"), bot: try Self.bot(request))
                return HTTPAnswers.json(200, .array(messages.map(\.json)))
            }
        }
        router.get("/control/calls") { request, _ in
            try await handle {
                let method = request.uri.queryParameters.get("method")
                let calls = try await fake.calls(method: method, bot: try Self.bot(request))
                return HTTPAnswers.json(200, .array(calls.map(\.json)))
            }
        }
        router.post("/control/faults") { request, context in
            try await handle {
                let buffer = try await request.body.collect(upTo: 1 << 20)
                let rule: TelegramFaultRule
                do {
                    rule = try TelegramFaultRule(json: Data(buffer.readableBytesView))
                } catch {
                    throw ControlError.bad("invalid fault rule: \(error)")
                }
                let id = try await fake.addFault(rule, bot: try Self.bot(request))
                return HTTPAnswers.json(200, .object(["id": .string(id)]))
            }
        }
        router.delete("/control/faults") { request, _ in
            try await handle {
                try await fake.removeFaults(bot: try Self.bot(request))
                return HTTPAnswers.json(200, .object(["removed": .bool(true)]))
            }
        }
        router.delete("/control/faults/{id}") { request, context in
            try await handle {
                let id = context.parameters.get("id") ?? ""
                guard try await fake.removeFaults(id: id, bot: try Self.bot(request)) else {
                    return HTTPAnswers.controlError(404, "no fault \(id)")
                }
                return HTTPAnswers.json(200, .object(["removed": .bool(true)]))
            }
        }
        router.post("/control/webhook/outage") { request, context in
            try await handle {
                let body = try await Self.object(request, context)
                guard case .bool(let down) = body["down"] else { throw ControlError.bad("\"down\" (true or false) is required") }
                try await fake.setWebhookOutage(down, bot: try Self.bot(request))
                return HTTPAnswers.json(200, .object(["down": .bool(down)]))
            }
        }
        router.post("/control/reset") { _, _ in
            await fake.reset()
            return HTTPAnswers.json(200, .object(["reset": .bool(true)]))
        }
    }

    static func botJSON(_ bot: RegisteredBot) -> JSONValue {
        .object([
            "id": .int(bot.id), "token": .string(bot.token), "username": .string(bot.username),
            "first_name": .string(bot.firstName),
        ])
    }

    static func object(
        _ request: Request, _ context: FakeTelegramRequestContext, required: Bool = true
    ) async throws -> [String: JSONValue] {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        if buffer.readableBytes == 0 && !required { return [:] }
        guard let object = JSONValue.parse(Data(buffer.readableBytesView))?.objectValue else {
            throw ControlError.bad("the body must be a JSON object")
        }
        return object
    }

    static func int64(_ context: FakeTelegramRequestContext, _ name: String) throws -> Int64 {
        guard let raw = context.parameters.get(name), let value = Int64(raw) else {
            throw ControlError.bad("\(name) in the path must be an integer")
        }
        return value
    }

    static func bot(_ request: Request) throws -> Int64? {
        guard let raw = request.uri.queryParameters.get("bot") else { return nil }
        guard let id = Int64(raw) else { throw ControlError.bad("?bot= must be a bot id (an integer)") }
        return id
    }
}

/// A control request that cannot be served.
enum ControlError: Error {
    case bad(String)
}

/// Maps errors to control API answers: 400 for bad input, 404 for unknown bots and messages,
/// 413 for oversized bodies.
private func handle(_ body: () async throws -> Response) async throws -> Response {
    do {
        return try await body()
    } catch ControlError.bad(let message) {
        return HTTPAnswers.controlError(400, message)
    } catch let error as FakeTelegramError {
        switch error {
        case .noBotRegistered, .unknownBot, .messageNotFound: return HTTPAnswers.controlError(404, error.description)
        case .invalidFault, .invalidUpdate: return HTTPAnswers.controlError(400, error.description)
        }
    } catch let error as HTTPError where error.status == .contentTooLarge {
        return HTTPAnswers.controlError(413, "the body is larger than 1 MiB")
    }
}
