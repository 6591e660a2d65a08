@testable import ChaosKit
import Foundation
import Testing

/// Whether a PostgreSQL server can be had: one at `CHAOS_POSTGRES_URL`, or the binaries to
/// start a throw-away one. Under `CI=true` the tests run regardless, so a CI machine without
/// PostgreSQL fails instead of skipping them quietly.
enum PostgresAvailability {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static var isCI: Bool { environment["CI"] == "true" }
    static var serverGiven: Bool { !(environment[PostgresServer.urlVariable] ?? "").isEmpty }
    static var binariesPresent: Bool {
        ChildCommand.find("initdb", extraDirectories: ThrowawayCluster.binaryDirectories) != nil
            || ThrowawayCluster.binaryDirectories.contains { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }
    static var runnable: Bool { isCI || serverGiven || binariesPresent }
    static let skipReason: Comment = "needs PostgreSQL: set CHAOS_POSTGRES_URL or install Debian's postgresql package (runs, and fails, when CI=true)"
}

@Suite struct PostgresURLTests {
    @Test("a good URL reads into its parts and prints without its password")
    func good() throws {
        let url = try PostgresURL(parsing: "postgresql://admin:p%40ss-w0rd@db.internal:6543/postgres?sslmode=require", variable: "CHAOS_POSTGRES_URL")
        #expect(url == PostgresURL(user: "admin", password: "p@ss-w0rd", host: "db.internal", port: 6543, database: "postgres", sslMode: "require"))
        #expect(url.description == "postgres://admin:***@db.internal:6543/postgres?sslmode=require")
        #expect(!url.description.contains("w0rd"))
        #expect(url.with(database: "chaos_x").secretText == "postgres://admin:p%40ss-w0rd@db.internal:6543/chaos_x?sslmode=require")
        #expect(try PostgresURL(parsing: "postgres://u@localhost/db", variable: "V").port == 5432)
    }

    @Test("a bad URL is refused naming the variable and the problem, never echoing the password", arguments: [
        ("http://admin:hunter22@db:5432/postgres", "the scheme is 'http', not postgres"),
        ("postgres://admin:hunter22@:5432/postgres", "the host is missing"),
        ("postgres://:hunter22@db:5432/postgres", "the user is missing"),
        ("postgres://admin:hunter22@db:5432", "the database name (the path) is missing"),
        ("postgres://admin:hunter22@db:5432/postgres?application_name=x", "the parameter 'application_name' is not supported"),
        ("postgres://admin:hunter22@db:99999/postgres", "the port 99999"),
        ("not a url at all hunter22", "the scheme is missing"),
    ])
    func bad(text: String, problem: String) {
        do {
            _ = try PostgresURL(parsing: text, variable: "CHAOS_POSTGRES_URL")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.hasPrefix("CHAOS_POSTGRES_URL: "))
            #expect(error.description.contains(problem), "\(error)")
            #expect(error.description.contains("expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"))
            #expect(!error.description.contains("hunter22"), "\(error)")
        }
    }

    @Test("chaos run refuses a malformed CHAOS_POSTGRES_URL with exit 2 before running anything, without echoing the password")
    func runRefusesBadURL() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("pg.yaml", """
            name: needs-postgres
            description: a scenario that requires the shared store
            store: postgres
            steps: [{sleep: 10ms}]
            expect: [{sheet_rows: {count: 0}}]
            """)
        let result = try await ChaosBinary.run(["run", file], environment: ["CHAOS_POSTGRES_URL": "mysql://root:hunter22@db/x"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("CHAOS_POSTGRES_URL: the scheme is 'mysql', not postgres"), "\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains("hunter22"))
    }

    @Test("chaos run --store with an unknown store exits 2 listing the valid ones")
    func badStoreFlag() async throws {
        let result = try await ChaosBinary.run(["run", "--store", "mysql", ScenarioPaths.library])
        #expect(result.status == 2)
        #expect(result.stderr.contains("mysql"), "\(result.stderr)")
        #expect(result.stderr.contains("sqlite") && result.stderr.contains("postgres"), "\(result.stderr)")
    }
}

@Suite(.serialized) struct PostgresProvisioningTests {
    @Test("a scenario's database is created fresh, works as DATABASE_URL with psql, and is dropped; a throw-away server is removed",
          .enabled(if: PostgresAvailability.runnable, PostgresAvailability.skipReason))
    func provisioning() async throws {
        let server = try await PostgresServer.locate(environment: PostgresAvailability.environment) { _ in }
        let database: ScenarioDatabase
        do {
            database = try await server.createDatabase(scenario: "split-flow")
        } catch {
            await server.stop()
            throw error
        }
        do {
            #expect(database.name.hasPrefix("chaos_split_flow_"))
            #expect(try await server.databaseExists(database.name))
            let psql = try #require(ChildCommand.find("psql", extraDirectories: ThrowawayCluster.binaryDirectories))
            let answer = try await ChildCommand(executable: psql, arguments: [
                "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", database.url,
                "-c", "CREATE TABLE probe (x int)", "-c", "INSERT INTO probe VALUES (41), (1)",
                "-c", "SELECT sum(x) || ' in ' || current_database() FROM probe",
            ]).check("psql with DATABASE_URL")
            #expect(answer.trimmingCharacters(in: .whitespacesAndNewlines) == "42 in \(database.name)")
            if let password = database.connection.password { #expect(!"\(database.connection)".contains(password)) }
            // A second scenario's database is another, empty one.
            let other = try await server.createDatabase(scenario: "split-flow")
            #expect(other.name != database.name)
            try await server.dropDatabase(other)
            try await server.dropDatabase(database)
            #expect(try await server.databaseExists(database.name) == false)
        } catch {
            try? await server.dropDatabase(database)
            await server.stop()
            throw error
        }
        await server.stop()
        if let directory = server.clusterDirectory {
            #expect(!FileManager.default.fileExists(atPath: directory.path), "the throw-away cluster's directory is left behind")
        }
    }

    @Test("the runner gives a store: postgres scenario its own database, records the store and drops the database afterwards",
          .enabled(if: PostgresAvailability.runnable, PostgresAvailability.skipReason))
    func runnerDropsDatabase() async throws {
        let scenario = try ScenarioParser.parse("""
            name: runner-drop
            description: a scenario on PostgreSQL against the fakes alone
            store: postgres
            steps: [{sleep: 10ms}]
            expect: [{sheet_rows: {count: 0}}]
            """, file: "drop.yaml")
        let server = try await PostgresServer.locate(environment: PostgresAvailability.environment) { _ in }
        do {
            let runner = ScenarioRunner(botExecutable: nil, serviceAccountKeyPEM: TestKeys.fake, postgres: server)
            let journal = await runner.run(scenario, seed: 3)
            #expect(journal.outcome == .passed, "\(journal.failure ?? "")")
            #expect(journal.store == "postgres")
            let left = try await server.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'chaos_runner_drop_%'", what: "listing databases")
            #expect(left.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
            // Without a server, a PostgreSQL scenario is a runner error that says so, not a bot failure.
            let orphan = await ScenarioRunner(botExecutable: nil, serviceAccountKeyPEM: TestKeys.fake).run(scenario, seed: 3)
            #expect(orphan.outcome == .error)
            #expect(orphan.failure?.contains("no server was located") == true, "\(orphan.failure ?? "")")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

@Suite struct BotEnvironmentStoreTests {
    @Test("with a database URL the bot gets DATABASE_URL and no DATABASE_PATH; with a front, WEBHOOK_URL is the front's")
    func variables() throws {
        let directory = try TemporaryDirectory()
        let workspace = ScenarioWorkspace(directory: directory.url)
        let secrets = BotEnvironment.Secrets(botToken: "1:t", webhookSecret: "w", adminToken: "a", privateKeyLines: [])
        let files = InstanceFiles(directory: directory.url.appendingPathComponent("instances/b"))
        let shared = BotEnvironment(telegramBaseURL: "http://t", sheetsBaseURL: "http://s", spreadsheetID: "x", workspace: workspace,
                                    instance: files, port: 4001, mode: .webhook, publicURL: "http://127.0.0.1:4999",
                                    databaseURL: "postgres://u:p@127.0.0.1:5432/chaos_x", secrets: secrets, memoryLimit: nil, overrides: [:])
        #expect(shared.variables["DATABASE_URL"] == "postgres://u:p@127.0.0.1:5432/chaos_x")
        #expect(shared.variables["DATABASE_PATH"] == nil)
        #expect(shared.variables["WEBHOOK_URL"] == "http://127.0.0.1:4999")
        #expect(shared.variables["PORT"] == "4001")
        #expect(shared.variables["LOG_DIR"] == files.logDirectory.path)
        let alone = BotEnvironment(telegramBaseURL: "http://t", sheetsBaseURL: "http://s", spreadsheetID: "x", workspace: workspace,
                                   port: 4002, mode: .webhook, secrets: secrets, memoryLimit: nil, overrides: [:])
        #expect(alone.variables["DATABASE_PATH"] == workspace.databasePath.path)
        #expect(alone.variables["DATABASE_URL"] == nil)
        #expect(alone.variables["WEBHOOK_URL"] == "http://127.0.0.1:4002")
    }
}
