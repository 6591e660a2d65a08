import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `POST {WEBHOOK_PATH}`: where Telegram delivers updates in webhook mode.
///
/// An update is answered 200 only once `accept` returned, i.e. once it is durably stored; any
/// other answer makes Telegram deliver it again later, which de-duplication by `update_id` makes
/// harmless. The checks, in order:
/// - 503 while the bot is stopping (Telegram redelivers to the next instance);
/// - 401 when `X-Telegram-Bot-Api-Secret-Token` is missing or wrong (compared in constant time);
/// - 413 when the body is over `maximumBodyBytes`;
/// - 400 when the body is not an update (malformed JSON, no `update_id`);
/// - 500 when the update could not be stored.
/// Updates of kinds the bot does not handle decode with every optional field nil and get 200.
public struct WebhookEndpoint: Sendable {
    /// 1 MiB, as DESIGN.md fixes it; Telegram's own updates are far smaller.
    public static let defaultMaximumBodyBytes = 1 << 20

    let secretToken: String
    let maximumBodyBytes: Int
    let isStopping: @Sendable () -> Bool
    let accept: @Sendable (Update) async throws -> Void

    /// - Parameters:
    ///   - secretToken: `WEBHOOK_SECRET`, the value `setWebhook` registered as `secret_token`.
    ///   - maximumBodyBytes: larger bodies get 413. Defaults to 1 MiB.
    ///   - isStopping: whether the bot is shutting down.
    ///   - accept: stores the update durably (the update intake); throws when it could not.
    public init(
        secretToken: String,
        maximumBodyBytes: Int = WebhookEndpoint.defaultMaximumBodyBytes,
        isStopping: @escaping @Sendable () -> Bool,
        accept: @escaping @Sendable (Update) async throws -> Void
    ) {
        self.secretToken = secretToken
        self.maximumBodyBytes = maximumBodyBytes
        self.isStopping = isStopping
        self.accept = accept
    }

    static let secretHeader = HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!

    /// Answers one delivery.
    public func respond(to request: Request, context: some RequestContext) async throws -> Response {
        if isStopping() {
            return Self.plain(.serviceUnavailable, "stopping")
        }
        guard let presented = request.headers[Self.secretHeader],
              constantTimeEquals(presented, secretToken)
        else {
            return Self.plain(.unauthorized, "missing or wrong secret token")
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            return Self.plain(.contentTooLarge, "update larger than \(maximumBodyBytes) bytes")
        }
        let update: Update
        do {
            update = try JSONDecoder().decode(Update.self, from: Data(body.readableBytesView))
        } catch {
            return Self.plain(.badRequest, "the body is not a Telegram update")
        }
        do {
            try await accept(update)
        } catch {
            context.logger.error("update not stored, Telegram will redeliver it",
                                 metadata: ["update_id": "\(update.updateID)", "error": "\(error)"])
            return Self.plain(.internalServerError, "update not stored")
        }
        return Self.plain(.ok, "ok")
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
