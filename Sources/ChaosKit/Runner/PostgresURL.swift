import Foundation

/// A `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` URL, validated, that never shows its
/// password: ``description`` masks it, and errors name the variable and the shape expected
/// without echoing the value.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// Why a URL was refused: one line naming the variable, the problem and the fix.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        /// The message; it never contains the password.
        public var description: String
    }

    /// The role to connect as.
    public var user: String
    /// Its password; nil when the server trusts the connection.
    public var password: String?
    /// The host name or address.
    public var host: String
    /// The TCP port. Defaults to 5432.
    public var port: Int
    /// The database.
    public var database: String
    /// `sslmode`, when the URL gives one.
    public var sslMode: String?

    /// Creates a URL from its parts.
    public init(user: String, password: String?, host: String, port: Int = 5432, database: String, sslMode: String? = nil) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
    }

    /// Parses `text`, read from the environment variable `variable`.
    /// - Throws: ``Invalid`` naming `variable`, what is wrong and the expected shape.
    public init(parsing text: String, variable: String) throws(Invalid) {
        let shape = "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (e.g. postgres://postgres:secret@127.0.0.1:5432/postgres)"
        func invalid(_ problem: String) -> Invalid {
            Invalid(description: "\(variable): \(problem); \(shape)")
        }
        guard let components = URLComponents(string: text) else {
            throw invalid("is not a URL (the value is not shown: it may hold a password)")
        }
        guard let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw invalid("the scheme is \(components.scheme.map { "'\($0)'" } ?? "missing"), not postgres")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("the host is missing") }
        guard let user = components.user, !user.isEmpty else { throw invalid("the user is missing") }
        if let port = components.port, !(1...65_535).contains(port) { throw invalid("the port \(port) is not between 1 and 65535") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw invalid("the database name (the path) is missing") }
        let allowed = ["sslmode"]
        if let unknown = components.queryItems?.first(where: { !allowed.contains($0.name) }) {
            throw invalid("the parameter '\(unknown.name)' is not supported (only sslmode is)")
        }
        self.init(user: components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? user,
                  password: components.percentEncodedPassword.flatMap { $0.removingPercentEncoding },
                  host: host, port: components.port ?? 5432, database: database,
                  sslMode: components.queryItems?.first { $0.name == "sslmode" }?.value)
    }

    /// The same server and role, another database.
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The full URL, password included: for `DATABASE_URL` only, never for output.
    public var secretText: String { text(password: password) }

    /// The URL with the password replaced by `***`.
    public var description: String { text(password: password.map { _ in "***" }) }

    private func text(password: String?) -> String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = user
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        if let sslMode { components.queryItems = [URLQueryItem(name: "sslmode", value: sslMode)] }
        return components.string ?? "postgres://\(host):\(port)/\(database)"
    }

    /// libpq's variables for this URL, so that `psql` connects without the password in its
    /// arguments (where `ps` would show it).
    var libpqEnvironment: [String: String] {
        var env = ["PGHOST": host, "PGPORT": String(port), "PGUSER": user, "PGDATABASE": database, "PGCONNECT_TIMEOUT": "5"]
        if let password { env["PGPASSWORD"] = password }
        if let sslMode { env["PGSSLMODE"] = sslMode }
        return env
    }
}
