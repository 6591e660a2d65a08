/// How the bot receives updates right now, as `/health` reports it.
public enum RuntimeMode: String, Sendable, Codable {
    /// Configured, the webhook or the first poll not yet working.
    case starting
    /// Telegram delivers updates to `WEBHOOK_PATH`.
    case webhook
    /// The bot long-polls `getUpdates`.
    case polling
    /// Another instance sharing the store leads (`Leadership`): this one serves the webhook route
    /// and its workers, and takes the lead when it is free.
    case standby
    /// Shutting down: deliveries get 503, polling has stopped.
    case stopping
}
