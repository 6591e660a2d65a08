import Logging
import MetroSupport

extension FakeTelegram {
    /// How the fake listens and how it delivers to webhooks.
    public struct Configuration: Sendable {
        /// Address to listen on. Defaults to `"127.0.0.1"`.
        public var host: String
        /// Port to listen on; 0 picks a free ephemeral port. Defaults to 0.
        public var port: Int
        /// First delay before a failed webhook delivery is retried; it doubles per failure up to
        /// `deliveryRetryMaxDelay`. Defaults to 1 second, as Telegram; tests use e.g. 20 ms.
        public var deliveryRetryBaseDelay: Duration
        /// Cap of the retry delay. Defaults to 60 seconds.
        public var deliveryRetryMaxDelay: Duration
        /// How long one webhook POST may take before it counts as failed. Defaults to 30 seconds.
        public var deliveryTimeout: Duration
        /// Limit setWebhook to one call per second per bot (429, `retry_after` 1), as Telegram
        /// does. Defaults to `true`.
        public var rateLimitSetWebhook: Bool
        /// The window of that limit: a second `setWebhook` within it gets 429 with `retry_after`
        /// the rest of the window in whole seconds (at least 1). Defaults to 1 second, as Telegram;
        /// tests widen it so that a slow machine cannot slip past the window.
        public var setWebhookInterval: Duration
        /// Seed of the generator that decides fault rules with a `probability`. Defaults to 1.
        public var seed: UInt64
        /// Largest Bot API request body; larger ones get 413. Defaults to 1 MiB.
        public var maximumBodySize: Int
        /// How many calls per bot the journal keeps (oldest dropped first, in batches of a quarter of
        /// the limit, so up to 1.25× this many may be held). Defaults to 100,000.
        public var journalLimit: Int
        /// Where the fake logs; one `info` line per Bot API request. Defaults to a logger labelled
        /// `FakeTelegram` at level `notice` (request lines hidden).
        public var logger: Logger
        /// Timeouts and the connection cap of the fake's HTTP server. Defaults to
        /// `ServerLimits.standard`.
        public var serverLimits: ServerLimits

        /// Creates a configuration; every parameter has the default documented on its property.
        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            deliveryRetryBaseDelay: Duration = .seconds(1),
            deliveryRetryMaxDelay: Duration = .seconds(60),
            deliveryTimeout: Duration = .seconds(30),
            rateLimitSetWebhook: Bool = true,
            setWebhookInterval: Duration = .seconds(1),
            seed: UInt64 = 1,
            maximumBodySize: Int = 1 << 20,
            journalLimit: Int = 100_000,
            logger: Logger? = nil,
            serverLimits: ServerLimits = .standard
        ) {
            self.serverLimits = serverLimits
            self.host = host
            self.port = port
            self.deliveryRetryBaseDelay = deliveryRetryBaseDelay
            self.deliveryRetryMaxDelay = deliveryRetryMaxDelay
            self.deliveryTimeout = deliveryTimeout
            self.rateLimitSetWebhook = rateLimitSetWebhook
            self.setWebhookInterval = setWebhookInterval
            self.seed = seed
            self.maximumBodySize = maximumBodySize
            self.journalLimit = journalLimit
            self.logger = logger ?? {
                var logger = Logger(label: "FakeTelegram")
                logger.logLevel = .notice
                return logger
            }()
        }

        /// Why this configuration cannot run, or `nil`.
        var problem: String? {
            if !(0...65535).contains(port) { return "port \(port) is not a TCP port; use 0-65535 (0 = ephemeral)" }
            if deliveryRetryBaseDelay <= .zero { return "deliveryRetryBaseDelay must be positive" }
            if deliveryRetryMaxDelay < deliveryRetryBaseDelay { return "deliveryRetryMaxDelay must be at least deliveryRetryBaseDelay" }
            if deliveryTimeout <= .zero { return "deliveryTimeout must be positive" }
            if maximumBodySize < 1024 { return "maximumBodySize must be at least 1024 bytes" }
            if journalLimit < 1 { return "journalLimit must be at least 1" }
            return nil
        }
    }
}
