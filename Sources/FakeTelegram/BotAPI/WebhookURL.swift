import Foundation
import MetroSupport

/// setWebhook's URL and secret token rules.
enum WebhookURL {
    /// Characters allowed in `secret_token`: `A-Z a-z 0-9 _ -`.
    static let secretCharacters: Set<Unicode.Scalar> = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".unicodeScalars)

    /// HTTPS on ports 443, 80, 88 or 8443, as Telegram requires — except loopback hosts, which the
    /// fake also accepts over plain HTTP on any port (the bot under test listens there).
    static func validate(_ url: String) throws(BotAPIError) {
        guard url.utf8.count <= 2048, let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { throw .badRequest("invalid webhook URL specified") }
        if isLoopback(host) { return }
        guard scheme == "https" else { throw .badRequest("bad webhook: An HTTPS URL must be provided for webhook") }
        let port = components.port ?? 443
        guard [443, 80, 88, 8443].contains(port) else {
            throw .badRequest("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }
}
