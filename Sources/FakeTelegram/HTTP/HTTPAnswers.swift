import Foundation
import Hummingbird
import NIOCore
import MetroSupport
#if canImport(Glibc)
import Glibc
#endif

/// Building and misbehaving responses.
enum HTTPAnswers {
    static func json(_ status: Int, _ body: Data) -> Response {
        Response(
            status: .init(code: status),
            headers: [.contentType: "application/json", .contentLength: String(body.count)],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func json(_ status: Int, _ value: JSONValue) -> Response { json(status, value.encoded()) }

    /// A Bot API answer, encoded here (outside the state actor).
    static func botAPI(_ answer: BotAPIAnswer) -> Response {
        let (status, body) = answer.encoded()
        return json(status, body)
    }

    /// A control API error: `{"error": "…"}`.
    static func controlError(_ status: Int, _ message: String) -> Response {
        json(status, .object(["error": .string(message)]))
    }

    /// Drops the connection with a TCP reset (SO_LINGER 0), then answers nothing.
    static func reset(_ channel: any Channel) async -> Response {
        if let provider = channel as? any SocketOptionProvider {
            _ = try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close().get()
        return Response(status: .ok)
    }

    /// Sends the head of a 200 answer and part of a body, then drops the connection.
    static func closeAfterHead(_ channel: any Channel) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .contentLength: "1024"],
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "{\"ok\":true,"))
                try? await channel.close().get()
            })
    }

    /// A 200 answer whose body is not JSON.
    static func garbage() -> Response {
        json(200, Data("{\"ok\":true,\"result\":{\"message_id\":\u{0}\u{7f}<html>garbage".utf8))
    }

    /// The answer of a fault rule's `respond`.
    static func faultAnswer(_ respond: FaultResponse) -> Response {
        if let body = respond.body {
            return Response(
                status: .init(code: respond.status),
                headers: [.contentType: "application/json", .contentLength: String(body.utf8.count)],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        if (200...299).contains(respond.status) {
            return botAPI(.success(.bool(true)))
        }
        let error = BotAPIError(
            code: respond.status,
            description: respond.message
                ?? BotAPIError.description(forStatus: respond.status, retryAfter: respond.retryAfter),
            retryAfter: respond.retryAfter ?? (respond.status == 429 ? 1 : nil))
        return botAPI(.failure(error))
    }
}
