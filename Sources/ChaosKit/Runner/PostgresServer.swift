import Foundation

/// The PostgreSQL server a `chaos run` gives each scenario a fresh database on: the one at
/// `CHAOS_POSTGRES_URL` (an administrator's URL) when that is set, else a throw-away cluster the
/// runner starts itself (``start(log:)``) and removes at the end.
///
/// Databases are created and dropped with `psql`, connected through libpq's environment
/// variables, so the password never appears in a process's arguments.
public final class PostgresServer: Sendable {
    /// The variable that names an existing server.
    public static let urlVariable = "CHAOS_POSTGRES_URL"

    /// The administrator's URL (the database it names is the one `CREATE DATABASE` runs in).
    public let admin: PostgresURL
    private let psql: URL
    private let cluster: ThrowawayCluster?

    private init(admin: PostgresURL, psql: URL, cluster: ThrowawayCluster?) {
        self.admin = admin
        self.psql = psql
        self.cluster = cluster
    }

    /// Whether this run started the server (and so will stop it).
    public var isThrowaway: Bool { cluster != nil }

    /// The throw-away cluster's directory, which ``stop()`` removes.
    var clusterDirectory: URL? { cluster?.directory }

    /// The server at `CHAOS_POSTGRES_URL` when `environment` sets it, else a new throw-away one.
    /// - Parameters:
    ///   - environment: Where `CHAOS_POSTGRES_URL` is read. Defaults to the process's.
    ///   - log: Says which server is used (the password masked).
    /// - Throws: ``PostgresURL/Invalid`` for a malformed URL; ``ChildCommand/Failure`` when the
    ///   server cannot be reached or started, saying how to fix it.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              log: @Sendable (String) -> Void) async throws -> PostgresServer {
        guard let text = environment[urlVariable], !text.isEmpty else { return try await start(log: log) }
        let admin = try PostgresURL(parsing: text, variable: urlVariable)
        guard let psql = ChildCommand.find("psql", extraDirectories: ThrowawayCluster.binaryDirectories) else {
            throw ChildCommand.Failure(description: "\(urlVariable) is set but psql is not installed; install Debian's postgresql-client")
        }
        let server = PostgresServer(admin: admin, psql: psql, cluster: nil)
        do {
            try await server.execute("SELECT 1", what: "connecting to \(admin)")
        } catch {
            throw ChildCommand.Failure(description: "\(urlVariable): cannot connect to \(admin): \(error); check the server runs and the user and password are right")
        }
        log("postgres: using \(admin) from \(urlVariable)")
        return server
    }

    /// Starts a throw-away cluster: `initdb` into a new temporary directory (as the `postgres`
    /// user when running as root, since `initdb` refuses root), then `pg_ctl start` on a free
    /// loopback port with a random administrator password. ``stop()`` removes it.
    public static func start(log: @Sendable (String) -> Void) async throws -> PostgresServer {
        let cluster = try await ThrowawayCluster.start()
        guard let psql = ChildCommand.find("psql", extraDirectories: [cluster.binaries.path]) else {
            await cluster.stop()
            throw ChildCommand.Failure(description: "psql is not installed; install Debian's postgresql-client")
        }
        log("postgres: started a throw-away server at \(cluster.admin) in \(cluster.directory.path)")
        return PostgresServer(admin: cluster.admin, psql: psql, cluster: cluster)
    }

    /// Creates a fresh, empty database for one scenario, `chaos_<name>_<random>`.
    public func createDatabase(scenario name: String) async throws -> ScenarioDatabase {
        let slug = String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" }.prefix(40))
        let database = "chaos_\(slug)_\(UUID().uuidString.prefix(8).lowercased())"
        try await execute("CREATE DATABASE \"\(database)\"", what: "creating database \(database)")
        return ScenarioDatabase(name: database, connection: admin.with(database: database), server: self)
    }

    /// Cuts a scenario's database off as an unreachable server would be (`down`): it refuses new
    /// connections and the open ones are closed. With `down` false it takes connections again.
    public func setOutage(of database: ScenarioDatabase, down: Bool) async throws {
        try await execute("ALTER DATABASE \"\(database.name)\" ALLOW_CONNECTIONS \(down ? "false" : "true")",
                          what: down ? "cutting off database \(database.name)" : "reopening database \(database.name)")
        guard down else { return }
        try await execute("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
            WHERE datname = '\(database.name)' AND pid <> pg_backend_pid()
            """, what: "closing the connections to database \(database.name)")
    }

    /// Drops a scenario's database, closing connections a killed bot may have left.
    public func dropDatabase(_ database: ScenarioDatabase) async throws {
        try await execute("DROP DATABASE IF EXISTS \"\(database.name)\" WITH (FORCE)", what: "dropping database \(database.name)")
    }

    /// Whether a database of that name exists.
    public func databaseExists(_ name: String) async throws -> Bool {
        let output = try await execute("SELECT count(*) FROM pg_database WHERE datname = '\(name.replacingOccurrences(of: "'", with: "''"))'",
                                       what: "looking up database \(name)")
        return output.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    /// Stops and removes the throw-away cluster; does nothing for a server given by URL.
    public func stop() async {
        await cluster?.stop()
    }

    /// Runs one SQL statement as the administrator; returns its unaligned output.
    @discardableResult
    func execute(_ sql: String, what: String, on url: PostgresURL? = nil) async throws -> String {
        let command = ChildCommand(executable: psql, arguments: ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                   environment: (url ?? admin).libpqEnvironment)
        return try await command.check(what)
    }
}

/// A scenario's own PostgreSQL database, which every instance of the scenario is given as
/// `DATABASE_URL`.
public struct ScenarioDatabase: Sendable {
    /// `chaos_<scenario>_<random>`.
    public var name: String
    /// How to connect (the password is in it: pass it on as `DATABASE_URL`, never print it).
    public var connection: PostgresURL

    /// The server it is on.
    public var server: PostgresServer

    /// `DATABASE_URL`.
    public var url: String { connection.secretText }
}

/// A PostgreSQL cluster in a temporary directory, for one `chaos run`, started with `pg_ctl
/// start` (through ``ChildCommand/runDetached(logFile:)``, so the server inherits no descriptor of
/// `chaos`) and stopped with `pg_ctl stop`.
struct ThrowawayCluster: Sendable {
    /// Where Debian installs the server's binaries, newest version first.
    static var binaryDirectories: [String] {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "\(root)/\($0)/bin" }
    }

    let directory: URL
    let binaries: URL
    let admin: PostgresURL
    /// `runuser -u postgres --` when running as root, else nothing.
    let asServerUser: [String]
    var dataDirectory: URL { directory.appendingPathComponent("data") }
    var serverLog: URL { directory.appendingPathComponent("server.log") }

    static func start() async throws -> ThrowawayCluster {
        guard let initdb = ChildCommand.find("initdb", extraDirectories: binaryDirectories) else {
            throw ChildCommand.Failure(description: "PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin): install Debian's postgresql package, or set \(PostgresServer.urlVariable)=postgres://USER:PASSWORD@HOST:PORT/postgres to use a running server")
        }
        // /usr/local/bin/initdb may be a link into the versioned directory that holds pg_ctl too.
        let binaries = initdb.resolvingSymlinksInPath().deletingLastPathComponent()
        let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("chaos-postgres-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var asServerUser: [String] = []
        var owner: (uid: uid_t, gid: gid_t)?
        if geteuid() == 0 {
            // initdb and postgres refuse to run as root: the cluster belongs to the postgres user.
            guard let account = getpwnam("postgres"), let runuser = ChildCommand.find("runuser", extraDirectories: ["/usr/sbin", "/sbin"]) else {
                try? FileManager.default.removeItem(at: directory)
                throw ChildCommand.Failure(description: "running as root, the throw-away PostgreSQL server must run as the 'postgres' user, and there is none (or no runuser); install Debian's postgresql package, or set \(PostgresServer.urlVariable)")
            }
            owner = (account.pointee.pw_uid, account.pointee.pw_gid)
            asServerUser = [runuser.path, "-u", "postgres", "--"]
        }
        let password = (0..<3).map { _ in UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8) }.joined().lowercased()
        let port = try BotEnvironment.freePort()
        let cluster = ThrowawayCluster(directory: directory, binaries: binaries,
                                       admin: PostgresURL(user: "postgres", password: password, host: "127.0.0.1", port: port, database: "postgres"),
                                       asServerUser: asServerUser)
        do {
            let passwordFile = directory.appendingPathComponent("password")
            try Data(password.utf8).write(to: passwordFile)
            _ = FileManager.default.createFile(atPath: cluster.serverLog.path, contents: nil)
            for path in [directory.path, passwordFile.path, cluster.serverLog.path] {
                if let owner, chown(path, owner.uid, owner.gid) != 0 {
                    throw ChildCommand.Failure(description: "cannot give \(path) to the postgres user: errno \(errno)")
                }
            }
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile.path)
            try await cluster.serverCommand("initdb", ["-D", cluster.dataDirectory.path, "-U", "postgres", "--pwfile=\(passwordFile.path)",
                                                        "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"]).check("initdb")
            try? FileManager.default.removeItem(at: passwordFile)
            // Durability off: the cluster lives for one run, and scenarios should not wait on fsync.
            let options = "-c listen_addresses=127.0.0.1 -c port=\(port) -c unix_socket_directories=\(directory.path) -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
            let status = try await cluster.serverCommand("pg_ctl", ["-D", cluster.dataDirectory.path, "-l", cluster.serverLog.path,
                                                                     "-w", "-t", "60", "-o", options, "start"]).runDetached(logFile: cluster.serverLog)
            if status != 0 {
                let log = (try? String(contentsOf: cluster.serverLog, encoding: .utf8)) ?? ""
                throw ChildCommand.Failure(description: "pg_ctl start exited with \(status): \(log.split(separator: "\n").suffix(5).joined(separator: " / "))")
            }
        } catch {
            await cluster.stop()
            throw error
        }
        return cluster
    }

    func serverCommand(_ tool: String, _ arguments: [String]) -> ChildCommand {
        let executable = binaries.appendingPathComponent(tool)
        if asServerUser.isEmpty { return ChildCommand(executable: executable, arguments: arguments) }
        return ChildCommand(executable: URL(fileURLWithPath: asServerUser[0]), arguments: Array(asServerUser.dropFirst()) + [executable.path] + arguments)
    }

    /// Stops the server (fast, then immediate) and removes the directory.
    func stop() async {
        if FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("postmaster.pid").path) {
            let fast = try? await serverCommand("pg_ctl", ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "20", "stop"]).run()
            if fast?.status != 0 {
                _ = try? await serverCommand("pg_ctl", ["-D", dataDirectory.path, "-m", "immediate", "-w", "-t", "20", "stop"]).run()
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
