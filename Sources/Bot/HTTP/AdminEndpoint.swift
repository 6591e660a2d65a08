import HTTPTypes
import Hummingbird
import Logging

/// The admin token's rules for every admin route (`POST /shutdown`, `/admin/…`), and
/// `POST /shutdown` itself, which lets an operator stop the bot gracefully over HTTP.
///
/// Disabled (403) when no `ADMIN_TOKEN` is configured; otherwise `Authorization: Bearer
/// <ADMIN_TOKEN>` (compared in constant time) is required, and a missing or wrong token gets 401.
public struct AdminEndpoint: Sendable {
    let adminToken: String?
    let shutdown: @Sendable () async -> Void

    /// - Parameters:
    ///   - adminToken: `ADMIN_TOKEN`; nil disables the admin routes.
    ///   - shutdown: starts the graceful shutdown; must return without waiting for it.
    public init(adminToken: String?, shutdown: @escaping @Sendable () async -> Void) {
        self.adminToken = adminToken
        self.shutdown = shutdown
    }

    /// The answer refusing `request` (403 or 401), or `nil` when it carries the admin token.
    public func refusal(of request: Request) -> Response? {
        guard let adminToken, !adminToken.isEmpty else {
            return WebhookEndpoint.plain(.forbidden, "admin endpoints are disabled: set ADMIN_TOKEN to enable them")
        }
        let prefix = "Bearer "
        guard let authorization = request.headers[.authorization], authorization.hasPrefix(prefix),
              constantTimeEquals(authorization.dropFirst(prefix.count), adminToken)
        else {
            return Response(
                status: .unauthorized,
                headers: [.wwwAuthenticate: "Bearer", .contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: .init(string: "missing or wrong bearer token\n")))
        }
        return nil
    }

    /// `POST /shutdown`: 202 and a graceful shutdown, for the admin token only.
    public func respond(to request: Request, context: some RequestContext) async throws -> Response {
        if let refusal = refusal(of: request) { return refusal }
        context.logger.notice("shutdown requested over HTTP")
        await shutdown()
        return WebhookEndpoint.plain(.accepted, "shutting down")
    }
}
