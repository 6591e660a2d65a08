import Logging
import PostgresNIO

/// The PostgreSQL store's schema, one numbered migration per shipped change, recorded in
/// `schema_migrations`. Migrations are never edited once shipped: add a new one at the end.
///
/// The tables mirror the SQLite store's (`BotMigrations`) with PostgreSQL types — `bigint` ids,
/// `timestamptz` dates, `jsonb` documents — and the same constraints; the queues (`outbox`,
/// `outgoing_messages`, `callback_answers`) add `claimed_by`/`claimed_until`, the lease that
/// lets several bot processes share them (docs/Store.md).
enum PostgresMigrations {
    /// One migration: its version (1, 2, …), a name, and its statements, run in one transaction.
    struct Migration: Sendable {
        var version: Int
        var name: String
        var statements: [String]
    }

    /// The advisory-lock key every bot process takes while it migrates, so that two processes
    /// starting together do not both apply a migration. (`'metro-migrations'` as a number.)
    static let lockKey: Int64 = 0x6D65_7472_6F6D_6967

    /// Every migration, oldest first.
    static let all: [Migration] = [
        Migration(version: 1, name: "tables of SQLite's v1 to v5, with claims on the queues", statements: [
            // GRDB's date text (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), which the store reads dates as, so
            // that a date read back is the very `Date` the SQLite store returns (`PostgresDate`).
            """
            CREATE FUNCTION metro_stored_date(t timestamptz) RETURNS text LANGUAGE sql STABLE
            AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') $$
            """,
            """
            CREATE TABLE pending_actions (
              user_id bigint PRIMARY KEY,
              action text NOT NULL CHECK (action IN ('check_in', 'check_out')),
              created_at timestamptz NOT NULL,
              expires_at timestamptz NOT NULL,
              CHECK (expires_at >= created_at))
            """,
            "CREATE INDEX pending_actions_expires_at ON pending_actions (expires_at)",
            """
            CREATE TABLE processed_updates (
              update_id bigint PRIMARY KEY,
              processed_at timestamptz NOT NULL)
            """,
            "CREATE INDEX processed_updates_processed_at ON processed_updates (processed_at)",
            """
            CREATE TABLE outbox (
              id bigserial PRIMARY KEY,
              update_id bigint NOT NULL UNIQUE,
              cells jsonb NOT NULL CHECK (jsonb_typeof(cells) = 'array'),
              enqueued_at timestamptz NOT NULL,
              attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
              last_error text,
              last_attempt_at timestamptz,
              claimed_by text,
              claimed_until timestamptz,
              CHECK ((claimed_by IS NULL) = (claimed_until IS NULL)))
            """,
            """
            CREATE TABLE outgoing_messages (
              id bigserial PRIMARY KEY,
              chat_id bigint NOT NULL,
              text text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4096),
              reply_markup jsonb,
              created_at timestamptz NOT NULL,
              attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
              last_error text,
              claimed_by text,
              claimed_until timestamptz,
              CHECK ((claimed_by IS NULL) = (claimed_until IS NULL)))
            """,
            "CREATE INDEX outgoing_messages_chat ON outgoing_messages (chat_id, id)",
            """
            CREATE TABLE last_actions (
              user_id bigint PRIMARY KEY,
              action text NOT NULL CHECK (action IN ('check_in', 'check_out')),
              site text NOT NULL,
              distance_m double precision NOT NULL CHECK (distance_m >= 0),
              recorded_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE callback_answers (
              id bigserial PRIMARY KEY,
              callback_query_id text NOT NULL UNIQUE CHECK (char_length(callback_query_id) BETWEEN 1 AND 256),
              text text CHECK (text IS NULL OR char_length(text) <= 200),
              created_at timestamptz NOT NULL,
              attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
              last_error text,
              claimed_by text,
              claimed_until timestamptz,
              CHECK ((claimed_by IS NULL) = (claimed_until IS NULL)))
            """,
            "CREATE INDEX callback_answers_created_at ON callback_answers (created_at)",
            """
            CREATE TABLE dead_letters (
              update_id bigint PRIMARY KEY,
              raw_update text NOT NULL,
              reason_code text NOT NULL CHECK (char_length(reason_code) > 0),
              reason text NOT NULL,
              first_seen timestamptz NOT NULL,
              last_seen timestamptz NOT NULL,
              attempts integer NOT NULL CHECK (attempts >= 1),
              CHECK (last_seen >= first_seen))
            """,
            "CREATE INDEX dead_letters_last_seen ON dead_letters (last_seen)",
            """
            CREATE TABLE expired_pending_actions (
              user_id bigint PRIMARY KEY,
              action text NOT NULL CHECK (action IN ('check_in', 'check_out')),
              expired_at timestamptz NOT NULL)
            """,
            "CREATE INDEX expired_pending_actions_expired_at ON expired_pending_actions (expired_at)",
            """
            CREATE TABLE events (
              id bigserial PRIMARY KEY,
              at timestamptz NOT NULL,
              kind text NOT NULL CHECK (char_length(kind) > 0),
              severity text NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
              update_id bigint,
              fields jsonb NOT NULL CHECK (jsonb_typeof(fields) = 'object'))
            """,
            "CREATE INDEX events_at ON events (at)",
            """
            CREATE TABLE received_updates (
              update_id bigint PRIMARY KEY,
              received_at timestamptz NOT NULL,
              source text NOT NULL CHECK (source IN ('webhook', 'polling')),
              raw text NOT NULL)
            """,
            "CREATE INDEX received_updates_received_at ON received_updates (received_at)",
        ]),
        // SQLite's v6: an update's arrival in the row that marks it processed.
        Migration(version: 2, name: "arrivals in processed_updates", statements: [
            """
            ALTER TABLE processed_updates
              ADD COLUMN received_at timestamptz,
              ADD COLUMN source text CHECK (source IN ('webhook', 'polling')),
              ADD COLUMN raw text
            """,
        ]),
    ]

    /// The newest schema version this binary knows.
    static var latestVersion: Int { all.last?.version ?? 0 }

    /// Applies the migrations the database lacks, holding the migration lock on `connection` so
    /// that processes starting together apply each migration once.
    /// - Throws: `SchemaTooNewError` when the database was migrated by a newer binary.
    /// - Returns: the versions applied now.
    @discardableResult
    static func migrate(on connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
        do {
            let applied = try await migrateHoldingLock(on: connection, logger: logger)
            try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            return applied
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            throw error
        }
    }

    private static func migrateHoldingLock(on connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
              version integer PRIMARY KEY,
              name text NOT NULL,
              applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        let current = try await appliedVersion(on: connection, logger: logger)
        guard current <= latestVersion else {
            throw SchemaTooNewError(found: current, supported: latestVersion)
        }
        var applied: [Int] = []
        for migration in all where migration.version > current {
            try await connection.withTransaction(logger: logger) { connection in
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
            }
            logger.notice("store migrated", metadata: ["version": "\(migration.version)", "migration": "\(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }

    /// The newest version recorded in `schema_migrations`; 0 for an empty database.
    static func appliedVersion(on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query("SELECT coalesce(max(version), 0)::bigint FROM schema_migrations", logger: logger)
        for try await version in rows.decode(Int64.self) { return Int(version) }
        return 0
    }
}

/// The database was migrated by a newer version of the bot than this one: this binary would
/// misread tables it does not know, so it refuses to start.
public struct SchemaTooNewError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The schema version found in `schema_migrations`.
    public var found: Int
    /// The newest version this binary knows.
    public var supported: Int

    public var description: String {
        "the PostgreSQL store's schema is at version \(found), newer than the version \(supported) this metro-bot supports; "
            + "deploy the newer metro-bot that migrated it (or a later one), or point DATABASE_URL at another database"
    }
}
