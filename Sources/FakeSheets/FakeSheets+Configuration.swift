import MetroSupport

extension FakeSheets {
    /// How a fake Sheets server is started.
    public struct Configuration: Sendable {
        /// The address to listen on. Defaults to `"127.0.0.1"` (loopback only).
        public var host: String
        /// The port to listen on. Defaults to 0: an ephemeral port, read back from `FakeSheets.port`.
        public var port: Int
        /// How long an access token from `POST /token` stays valid (`expires_in`). Defaults to
        /// 3599 seconds, as Google answers.
        public var tokenLifetime: Duration
        /// A SQLite file (GRDB) that keeps service accounts and spreadsheets across restarts;
        /// `nil` (the default) keeps everything in memory.
        public var databasePath: String?
        /// Per-minute request quotas to enforce; `nil` (the default) enforces none.
        public var quotas: Quotas?
        /// Seed of the generator behind fault `probability` draws and generated ids, so a run can be
        /// replayed. Defaults to 0.
        public var seed: UInt64
        /// The PEM (PKCS#8 or PKCS#1) RSA private key of the first service account; `nil` (the
        /// default) generates a fresh RSA-2048 key on first use. Lets a test suite that starts many
        /// fakes generate one key instead of one per fake.
        public var serviceAccountKeyPEM: String?
        /// Timeouts and the connection cap of the fake's HTTP server.
        public var serverLimits: ServerLimits

        /// - Parameters:
        ///   - host: defaults to `"127.0.0.1"`.
        ///   - port: defaults to 0 (ephemeral).
        ///   - tokenLifetime: defaults to 3599 s.
        ///   - databasePath: defaults to `nil` (in memory).
        ///   - quotas: defaults to `nil` (no quota enforcement).
        ///   - seed: defaults to 0.
        ///   - serviceAccountKeyPEM: defaults to `nil` (generate a key).
        ///   - serverLimits: defaults to `ServerLimits.standard`.
        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            tokenLifetime: Duration = .seconds(3599),
            databasePath: String? = nil,
            quotas: Quotas? = nil,
            seed: UInt64 = 0,
            serviceAccountKeyPEM: String? = nil,
            serverLimits: ServerLimits = .standard
        ) {
            self.serverLimits = serverLimits
            self.host = host
            self.port = port
            self.tokenLifetime = tokenLifetime
            self.databasePath = databasePath
            self.quotas = quotas
            self.seed = seed
            self.serviceAccountKeyPEM = serviceAccountKeyPEM
        }
    }

    /// Per-minute request quotas, as the Sheets API enforces them ("Usage limits": read and write
    /// requests per minute per project and per minute per user; a `batchGet` or `batchUpdate`
    /// counts as one request). Exceeding one answers 429 `RESOURCE_EXHAUSTED` with Google's quota
    /// message and a `google.rpc.ErrorInfo` detail whose reason is `RATE_LIMIT_EXCEEDED`.
    public struct Quotas: Sendable, Hashable {
        /// Read requests per minute per project. Defaults to 300 (Google's default).
        public var readRequestsPerMinutePerProject: Int
        /// Read requests per minute per user (service account). Defaults to 60 (Google's default).
        public var readRequestsPerMinutePerUser: Int
        /// Write requests per minute per project. Defaults to 300 (Google's default).
        public var writeRequestsPerMinutePerProject: Int
        /// Write requests per minute per user (service account). Defaults to 60 (Google's default).
        public var writeRequestsPerMinutePerUser: Int

        /// - Parameters: the four limits; defaults are Google's (300 per project, 60 per user).
        public init(
            readRequestsPerMinutePerProject: Int = 300,
            readRequestsPerMinutePerUser: Int = 60,
            writeRequestsPerMinutePerProject: Int = 300,
            writeRequestsPerMinutePerUser: Int = 60
        ) {
            self.readRequestsPerMinutePerProject = readRequestsPerMinutePerProject
            self.readRequestsPerMinutePerUser = readRequestsPerMinutePerUser
            self.writeRequestsPerMinutePerProject = writeRequestsPerMinutePerProject
            self.writeRequestsPerMinutePerUser = writeRequestsPerMinutePerUser
        }
    }
}
