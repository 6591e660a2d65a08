import Logging
import PostgresNIO

/// The lead among bot processes sharing one PostgreSQL database: a session-level advisory lock
/// (`pg_try_advisory_lock`) held on a connection of its own, outside the store's pool.
///
/// The lock lives exactly as long as that session, which is what makes failover work without
/// timeouts of our own: when the leading process dies (SIGKILL included) or its network goes, the
/// server ends the session and releases the lock, and another process takes it at its next
/// `claim()` (`LEADER_CHECK_INTERVAL`). While it leads, `claim()` checks that the session is still
/// alive; a query that fails means the lock may be gone, so the lead is given up at once rather
/// than risk two pollers.
public actor PostgresLeadership: Leadership {
    /// The advisory-lock key of the lead (`'metrolea'` as a number); the migration lock's differs.
    static let lockKey: Int64 = 0x6D65_7472_6F6C_6561

    private let settings: PostgresConnectionSettings
    private let logger: Logger
    private var connection: PostgresConnection?
    private var leads = false
    private var nextConnectionID = 1

    /// Creates the lead's handle; it connects at the first `claim()`.
    public init(settings: PostgresConnectionSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Whether this process leads now: takes the lock when nobody holds it, or checks that its
    /// session still holds it. False when the database cannot be reached.
    public func claim() async -> Bool {
        do {
            if leads {
                // The session lock holds as long as the session: a round trip proves both. A
                // session that ended took the lock with it, and another process may have led
                // since: this check reports the lead lost, and the next one competes afresh.
                guard let connection, !connection.isClosed else { throw LeadSessionEnded() }
                try await connection.query("SELECT 1", logger: logger)
                return true
            }
            let connection = try await openConnection()
            let rows = try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey))", logger: logger).collect()
            leads = try rows.first?.decode(Bool.self) ?? false
            return leads
        } catch {
            if leads {
                logger.warning("lost the connection that holds the lead", metadata: [
                    "error": "\(PostgresStoreError.describe(error))",
                ])
            }
            await dropConnection()
            return false
        }
    }

    /// Releases the lock (when held) and closes the connection, so that another process takes
    /// the lead at its next check. Call it before the handle is released (`WebhookSupervisor`
    /// does when it stops): postgres-nio requires a connection to be closed before it goes.
    public func resign() async {
        if leads, let connection {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
        }
        await dropConnection()
    }

    private func openConnection() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        await dropConnection()
        nextConnectionID += 1
        let opened = try await PostgresConnection.connect(configuration: try settings.connectionConfiguration(),
                                                          id: nextConnectionID, logger: logger)
        connection = opened
        return opened
    }

    private func dropConnection() async {
        leads = false
        if let connection {
            self.connection = nil
            try? await connection.close()
        }
    }
}

/// The session that held the lead has ended (the server or the network closed it).
struct LeadSessionEnded: Error, CustomStringConvertible {
    var description: String { "the connection holding the lead's advisory lock has closed" }
}
