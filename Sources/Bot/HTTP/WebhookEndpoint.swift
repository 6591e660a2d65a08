import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MetroSupport
import NIOCore

/// `POST {WEBHOOK_PATH}`: where Telegram delivers updates in webhook mode.
///
/// An update is answered 200 only once `accept` settled it: stored durably, or recorded as a
/// dead letter because it can never be processed. Any other answer makes Telegram deliver it
/// again later, which de-duplication by `update_id` makes harmless. The checks, in order:
/// - 503 while the bot is stopping (Telegram redelivers to the next instance);
/// - 401 when `X-Telegram-Bot-Api-Secret-Token` is missing or wrong (compared in constant time);
/// - 413 when the body is over `maximumBodyBytes`;
/// - 400 when the body is not an update: nested deeper than `JSONNestingGuard` allows (checked
///   before any parser runs), malformed JSON, or no integer `update_id`;
/// - 200 when the update is settled, a dead letter included (its content did not decode, or it
///   breaks a rule of `UpdateValidator`): Telegram must not redeliver what can never work;
/// - 500 when storing it failed and it has tries left (`POISON_UPDATE_ATTEMPTS`);
/// - 503 when the store cannot be reached (`StoreUnavailable`), with `Retry-After`.
/// Updates of kinds the bot does not handle decode with every optional field nil and get 200.
public struct WebhookEndpoint: Sendable {
    /// 1 MiB, as DESIGN.md fixes it; Telegram's own updates are far smaller.
    public static let defaultMaximumBodyBytes = 1 << 20

    let secretToken: String
    let maximumBodyBytes: Int
    let isStopping: @Sendable () -> Bool
    let accept: @Sendable (ReceivedUpdate) async -> UpdateDisposition

    /// - Parameters:
    ///   - secretToken: `WEBHOOK_SECRET`, the value `setWebhook` registered as `secret_token`.
    ///   - maximumBodyBytes: larger bodies get 413. Defaults to 1 MiB.
    ///   - isStopping: whether the bot is shutting down.
    ///   - accept: settles the update (the update intake's `receive`).
    public init(
        secretToken: String,
        maximumBodyBytes: Int = WebhookEndpoint.defaultMaximumBodyBytes,
        isStopping: @escaping @Sendable () -> Bool,
        accept: @escaping @Sendable (ReceivedUpdate) async -> UpdateDisposition
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
        if JSONNestingGuard.isTooDeep(body.readableBytesView) {
            return Self.plain(.badRequest, "the body is not a Telegram update: JSON nested deeper than \(JSONNestingGuard.maximumDepth) levels")
        }
        guard let received = Self.decode(body) else {
            return Self.plain(.badRequest, "the body is not a Telegram update")
        }
        switch await accept(received) {
        case .processed:
            return Self.plain(.ok, "ok")
        case .deadLettered:
            return Self.plain(.ok, "ok: recorded as a dead letter")
        case .retrying:
            return Self.plain(.internalServerError, "update not stored; deliver it again")
        case .storeUnavailable:
            var response = Self.plain(.serviceUnavailable, "the store is unreachable; deliver the update again")
            response.headers[.retryAfter] = "5"
            return response
        }
    }

    /// The update in `body`: decoded, or, when only its `update_id` decodes, that id with the
    /// reason; `nil` when the body is no JSON object with an integer `update_id`.
    static func decode(_ body: ByteBuffer) -> ReceivedUpdate? {
        let data = Data(body.readableBytesView)
        let decoder = JSONDecoder()
        do {
            return ReceivedUpdate(try decoder.decode(Update.self, from: data), rawJSON: String(decoding: data, as: UTF8.self))
        } catch let error as DecodingError {
            guard let id = try? decoder.decode(UpdateIDOnly.self, from: data) else { return nil }
            return ReceivedUpdate(Update(updateID: id.updateID), rawJSON: String(decoding: data, as: UTF8.self),
                                  undecodable: error.fieldSummary)
        } catch {
            return nil
        }
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
