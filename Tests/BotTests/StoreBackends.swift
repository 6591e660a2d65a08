@testable import Bot
import Foundation
import Logging
import PostgresNIO
import Testing

/// The store backends the store's tests run against: every `BotStore` test takes one as its
/// argument (`arguments: StoreBackend.allCases`), so that both keep the same semantics.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// Runs `body` with a fresh, empty store of `backend`, and closes and deletes it afterwards, on
/// success and on failure: an SQLite file in a temporary directory, or a PostgreSQL database of
/// its own on the server `METRO_TEST_POSTGRES_URL` names (see `PostgresTestServer`).
func withStore<T>(_ backend: StoreBackend, _ body: (any BotStore) async throws -> T) async throws -> T {
    switch backend {
    case .sqlite:
        return try await withTemporaryDirectory { directory in
            let database = try BotDatabase(path: directory.appendingPathComponent("bot.sqlite").path)
            let result = await captureValue { try await body(database) }
            try? database.close()
            return try result.get()
        }
    case .postgres:
        return try await PostgresTestServer.withDatabase { settings in
            let store = try await PostgresTestServer.open(settings)
            let result = await captureValue { try await body(store) }
            try? await store.close()
            return try result.get()
        }
    }
}

/// Runs `body` and returns its outcome, so that clean-up can run before an error is rethrown.
func captureValue<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

/// The PostgreSQL server the PostgreSQL store's tests use: the admin URL in
/// `METRO_TEST_POSTGRES_URL` (`Scripts/postgres/throwaway.sh start` prints one). Each test gets a
/// database of its own (`metro_test_<random>`), dropped afterwards, so tests run in parallel.
///
/// Without the variable the PostgreSQL cases are skipped with a note saying how to run them,
/// except under `CI=true`, where they fail: CI must really run them.
enum PostgresTestServer {
    static let variable = "METRO_TEST_POSTGRES_URL"

    /// A logger for the stores under test: warnings and worse only.
    static var logger: Logger {
        var logger = Logger(label: "store-tests")
        logger.logLevel = .warning
        return logger
    }

    /// The admin server's settings; cancels (skips) the running test when there is none, or
    /// fails it under CI.
    static func admin() throws -> PostgresConnectionSettings {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment[variable], !url.isEmpty else {
            if environment["CI"] == "true" { throw MissingServer() }
            try Test.cancel("\(variable) is unset: PostgreSQL cases skipped; run export \(variable)=$(Scripts/postgres/throwaway.sh start)")
        }
        return try PostgresConnectionSettings(url: url)
    }

    /// Under CI a missing server fails the test instead of skipping it.
    struct MissingServer: Error, CustomStringConvertible {
        var description: String {
            "\(PostgresTestServer.variable) is unset under CI=true: the PostgreSQL store's tests must run in CI (.ci/run starts a server)"
        }
    }

    /// Creates a fresh database, runs `body` with its settings and drops it afterwards.
    static func withDatabase<T>(_ body: (PostgresConnectionSettings) async throws -> T) async throws -> T {
        let admin = try admin()
        let name = "metro_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await execute("CREATE DATABASE \(name)", on: admin)
        let result = await captureValue { try await body(admin.with(database: name)) }
        try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: admin)
        return try result.get()
    }

    /// Runs one statement (trusted text: names the tests made) on its own connection.
    static func execute(_ sql: String, on settings: PostgresConnectionSettings) async throws {
        let connection = try await PostgresConnection.connect(configuration: try settings.connectionConfiguration(), id: 1, logger: logger)
        let result = await captureValue { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect() }
        try? await connection.close()
        _ = try result.get()
    }

    /// Opens a store on `settings` the way the bot does, with one start-up attempt.
    /// - Parameter claimLease: Defaults to the store's.
    static func open(_ settings: PostgresConnectionSettings, claimLease: Duration? = nil) async throws -> PostgresStore {
        var configuration = PostgresStore.Configuration()
        configuration.startupAttempts = 1
        if let claimLease { configuration.claimLease = claimLease }
        return try await PostgresStore.open(settings: settings, configuration: configuration, logger: logger)
    }
}

/// Runs `body` with a way to open (and reopen) one store of `backend`: the same SQLite file, or
/// the same PostgreSQL database, each time. The stores `open` returns are the caller's to close.
func withStoreLocation<T>(_ backend: StoreBackend, _ body: (@Sendable () async throws -> any BotStore) async throws -> T) async throws -> T {
    switch backend {
    case .sqlite:
        return try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("bot.sqlite").path
            return try await body { try BotDatabase(path: path) }
        }
    case .postgres:
        return try await PostgresTestServer.withDatabase { settings in
            try await body { try await PostgresTestServer.open(settings) }
        }
    }
}
