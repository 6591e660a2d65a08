import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /admin/dead-letters` and `POST /admin/dead-letters/{update_id}/retry`: the updates the bot
/// could not process, and a way to process one again once its cause is fixed. Both sit behind
/// `AdminEndpoint`'s token rules.
public struct DeadLetterEndpoint: Sendable {
    let database: any BotStore
    let retry: @Sendable (ReceivedUpdate) async -> UpdateDisposition

    /// - Parameters:
    ///   - database: where the dead letters are.
    ///   - retry: settles an update again (the update intake's `receive`, storing at once).
    public init(database: any BotStore, retry: @escaping @Sendable (ReceivedUpdate) async -> UpdateDisposition) {
        self.database = database
        self.retry = retry
    }

    /// One dead letter as the admin routes show it.
    struct Listing: Encodable {
        var updateID: Int64
        var reasonCode: String
        var reason: String
        var firstSeen: Date
        var lastSeen: Date
        var attempts: Int
        /// The raw update JSON, as text.
        var update: String

        init(_ letter: DeadLetter) {
            updateID = letter.updateID
            reasonCode = letter.reasonCode.rawValue
            reason = letter.reason
            firstSeen = letter.firstSeen
            lastSeen = letter.lastSeen
            attempts = letter.attempts
            update = letter.rawUpdate
        }

        enum CodingKeys: String, CodingKey {
            case updateID = "update_id", reasonCode = "reason_code", reason, firstSeen = "first_seen"
            case lastSeen = "last_seen", attempts, update
        }
    }

    /// What a retry did.
    struct RetryResult: Encodable {
        var updateID: Int64
        /// `processed`, `dead_letter` (refused again) or `retrying` (storing failed).
        var outcome: String
        var reason: String?

        enum CodingKeys: String, CodingKey {
            case updateID = "update_id", outcome, reason
        }
    }

    /// `GET /admin/dead-letters`: `{"dead_letters": [...]}`, most recently refused first.
    public func list() async throws -> Response {
        let letters = try await database.deadLetters()
        return try Self.json(.ok, ["dead_letters": letters.map(Listing.init)])
    }

    /// `POST /admin/dead-letters/{update_id}/retry`: 200 when the update was processed now (its
    /// dead letter is gone), 409 when it is refused again (the dead letter stays, with the new
    /// reason), 503 when storing it failed, 404 when there is no such dead letter, 400 when the
    /// id is not a number.
    public func retry(updateID text: String) async throws -> Response {
        guard let updateID = Int64(text) else {
            return WebhookEndpoint.plain(.badRequest, "\"\(text)\" is not an update_id: use the number GET /admin/dead-letters shows")
        }
        guard let letter = try await database.deadLetter(updateID: updateID) else {
            return WebhookEndpoint.plain(.notFound, "no dead letter for update \(updateID)")
        }
        let received = WebhookEndpoint.decode(ByteBuffer(string: letter.rawUpdate))
            ?? ReceivedUpdate(Update(updateID: updateID), rawJSON: letter.rawUpdate, undecodable: "the stored update is not JSON")
        switch await retry(received) {
        case .processed:
            try await database.deleteDeadLetter(updateID: updateID)
            return try Self.json(.ok, RetryResult(updateID: updateID, outcome: "processed"))
        case .deadLettered(let rejection):
            return try Self.json(.conflict, RetryResult(updateID: updateID, outcome: "dead_letter", reason: "\(rejection)"))
        case .retrying(_, let error), .storeUnavailable(let error):
            return try Self.json(.serviceUnavailable, RetryResult(updateID: updateID, outcome: "retrying", reason: error))
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
