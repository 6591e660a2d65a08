import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import MetroSupport

/// `GET /admin/incident?since=2h[&until=…][&anonymize=true][&blur_locations=true]`: the incident
/// bundle `metro-bot incident export` writes, from the running bot. Behind `AdminEndpoint`'s token
/// rules; 400 with the reason for a bad window.
public struct IncidentEndpoint: Sendable {
    let database: any BotStore
    let environment: [String: String]

    /// - Parameter environment: the variables the bundle describes (secrets are removed).
    public init(database: any BotStore, environment: [String: String]) {
        self.database = database
        self.environment = environment
    }

    /// Answers one request.
    public func respond(to request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let now = Date()
        guard let sinceText = query["since"].map(String.init) else {
            return WebhookEndpoint.plain(.badRequest, "give the window's start: ?since=2h (a duration before now) or an ISO 8601 time")
        }
        guard let since = Self.time(sinceText, now: now) else {
            return WebhookEndpoint.plain(.badRequest, "since=\(sinceText) is neither a duration (2h, 30m, 7d) nor an ISO 8601 time")
        }
        var until: Date?
        if let text = query["until"].map(String.init) {
            guard let parsed = Self.time(text, now: now) else {
                return WebhookEndpoint.plain(.badRequest, "until=\(text) is neither a duration nor an ISO 8601 time")
            }
            until = parsed
        }
        let bundle: IncidentBundle
        do {
            bundle = try await IncidentBundle.export(
                from: database, since: since, until: until, environment: environment,
                anonymize: query["anonymize"] == "true", blurLocations: query["blur_locations"] == "true", now: now)
        } catch let error as IncidentExportError {
            return WebhookEndpoint.plain(.badRequest, error.description)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try IncidentBundle.encoder.encode(bundle))))
    }

    /// A duration before `now` (`2h`), or an ISO 8601 time.
    public static func time(_ text: String, now: Date) -> Date? {
        if let duration = try? DurationText.read(text) {
            return now.addingTimeInterval(-duration.timeInterval)
        }
        return ISO8601DateFormatter().date(from: text)
    }
}
