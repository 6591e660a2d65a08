import HTTPTypes
import Hummingbird
import Logging

/// `POST /shutdown`: lets an operator stop the bot gracefully over HTTP.
///
/// Disabled (403) when no `ADMIN_TOKEN` is configured; otherwise `Authorization: Bearer
/// <ADMIN_TOKEN>` (compared in constant time) gets 202 and starts the graceful shutdown, and a
/// missing or wrong token gets 401.
public struct AdminEndpoint: Sendable {
    let adminToken: String?
    let shutdown: @Sendable () async -> Void

    /// - Parameters:
    ///   - adminToken: `ADMIN_TOKEN`; nil disables the endpoint.
    ///   - shutdown: starts the graceful shutdown; must return without waiting for it.
    public init(adminToken: String?, shutdown: @escaping @Sendable () async -> Void) {
        self.adminToken = adminToken
        self.shutdown = shutdown
    }

    public func respond(to request: Request, context: some RequestContext) async throws -> Response {
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
        context.logger.notice("shutdown requested over HTTP")
        await shutdown()
        return WebhookEndpoint.plain(.accepted, "shutting down")
    }
}
