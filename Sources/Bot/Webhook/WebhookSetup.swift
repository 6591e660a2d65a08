import Logging

/// Registers the bot's webhook with Telegram: `setWebhook` with up to `attempts` tries, waiting
/// between them with exponential backoff and full jitter (or Telegram's `retry_after` on 429,
/// whichever is longer), each try under the client's `HTTP_TIMEOUT`.
///
/// Errors that another try cannot fix (400 bad URL, 401 bad token) end the setup at once.
public struct WebhookSetup: Sendable {
    /// - Parameters:
    ///   - url: the full webhook URL, `WEBHOOK_URL` + `WEBHOOK_PATH`.
    ///   - secretToken: `WEBHOOK_SECRET`, sent as `secret_token`.
    ///   - allowedUpdates: the update kinds the bot handles.
    ///   - attempts: `WEBHOOK_SETUP_ATTEMPTS`, at least 1. Defaults to 3.
    ///   - backoff: waits between tries, from `WEBHOOK_RETRY_BASE_DELAY`.
    public init(url: String, secretToken: String, allowedUpdates: [String], attempts: Int = 3, backoff: Backoff) {
        self.url = url
        self.secretToken = secretToken
        self.allowedUpdates = allowedUpdates
        self.attempts = max(1, attempts)
        self.backoff = backoff
    }

    public let url: String
    let secretToken: String
    let allowedUpdates: [String]
    public let attempts: Int
    let backoff: Backoff

    /// One try's result, reported as it happens (for logs and metrics).
    public struct Attempt: Sendable {
        public var number: Int
        public var error: TelegramError?
        /// How long the setup waits before the next try; nil after the last.
        public var nextDelay: Duration?
    }

    /// Tries to register the webhook; returns after the first success, throws the last error
    /// after the last try. Cancellation (shutdown) ends the waits and throws `CancellationError`.
    public func register<G: RandomNumberGenerator>(
        with telegram: TelegramClient,
        using generator: inout G,
        onAttempt: (Attempt) -> Void = { _ in }
    ) async throws {
        var lastError: TelegramError?
        for number in 1...attempts {
            do {
                try await telegram.setWebhook(url: url, secretToken: secretToken, allowedUpdates: allowedUpdates)
                onAttempt(Attempt(number: number, error: nil, nextDelay: nil))
                return
            } catch let error as TelegramError {
                lastError = error
                let isLast = number == attempts || !error.isRetryable
                let delay = isLast ? nil : max(backoff.delay(forAttempt: number, using: &generator), error.retryAfter ?? .zero)
                onAttempt(Attempt(number: number, error: error, nextDelay: delay))
                guard let delay else { break }
                try await Task.sleep(for: delay)
            }
        }
        throw lastError ?? TelegramError.malformedResponse("setWebhook made no attempt")
    }
}
