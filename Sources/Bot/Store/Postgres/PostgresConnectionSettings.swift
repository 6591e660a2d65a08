import Foundation
import NIOSSL
import PostgresNIO

/// Where the PostgreSQL store lives, read from `DATABASE_URL`:
/// `postgres://user:password@host:port/database` (or `postgresql://`), with an optional
/// `?sslmode=disable|prefer|require|verify-full`.
///
/// The password is kept for the connection only: `description` and every error leave it out.
public struct PostgresConnectionSettings: Sendable, Equatable, CustomStringConvertible {
    /// How the connection uses TLS (`sslmode`).
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP; for a server on loopback or a private network.
        case disable
        /// TLS when the server offers it, plain TCP otherwise. The default, as in libpq.
        case prefer
        /// TLS with the server's certificate verified (`require` and `verify-full` alike: a
        /// connection that does not check whom it talks to is not worth asking for).
        case require
    }

    /// The server's host name or address.
    public var host: String
    /// Its port. Defaults to 5432.
    public var port: Int
    /// The role to log in as.
    public var username: String
    /// Its password, if any. Secret: never printed.
    public var password: String?
    /// The database's name.
    public var database: String
    /// `sslmode`. Defaults to `prefer`.
    public var tls: TLSMode

    /// The URL without the password, for logs: `postgres://user@host:port/database`.
    public var description: String {
        "postgres://\(username)@\(host):\(port)/\(database)"
    }

    /// Creates settings from their parts.
    public init(host: String, port: Int = 5432, username: String, password: String?, database: String, tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses a `DATABASE_URL`.
    /// - Throws: `PostgresURLError`, whose text names what is wrong and never shows the password.
    public init(url text: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: text) else {
            throw PostgresURLError(problem: "is not a URL (its value is not shown; a password with @, /, ? or # must be percent-encoded)")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresURLError(problem: "does not start with postgres:// or postgresql:// (its value is not shown)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresURLError(problem: "names no host (its value is not shown)")
        }
        // `URLComponents` refuses a port outside 0...65535 by failing to parse, above.
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else {
            throw PostgresURLError(problem: "has port \(port), which is not between 1 and 65535")
        }
        guard let username = components.user?.removingPercentEncoding ?? components.user, !username.isEmpty else {
            throw PostgresURLError(problem: "names no user (postgres://USER:password@host/database)")
        }
        let password = components.password.map { $0.removingPercentEncoding ?? $0 }
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        let database = path.removingPercentEncoding ?? path
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresURLError(problem: "names no database, or more than one path segment (postgres://user:password@host/DATABASE)")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw PostgresURLError(problem: "has the parameter \"\(item.name)\", which the bot does not read (only sslmode)")
            }
            switch item.value {
            case "disable": tls = .disable
            case "prefer", "allow": tls = .prefer
            case "require", "verify-ca", "verify-full": tls = .require
            default:
                throw PostgresURLError(problem: "has sslmode=\(item.value ?? ""), which is not disable, prefer or require")
            }
        }
        self.init(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// The same server and credentials, another database (tests create one per test).
    public func with(database: String) -> PostgresConnectionSettings {
        var copy = self
        copy.database = database
        return copy
    }

    /// The client configuration postgres-nio takes.
    func clientConfiguration() -> PostgresClient.Configuration {
        PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database,
                                     tls: clientTLS)
    }

    /// The single-connection configuration (start-up checks, migrations, tests).
    /// - Throws: NIOSSL's error when the system's trust roots cannot be loaded for TLS.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch self.tls {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: username, password: password,
                                                database: database, tls: tls)
    }

    private var clientTLS: PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }
}

/// A `DATABASE_URL` that cannot be used. Its `problem` never contains the password.
public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, phrased to follow the variable's name.
    public var problem: String

    public var description: String { "DATABASE_URL \(problem)" }
}
