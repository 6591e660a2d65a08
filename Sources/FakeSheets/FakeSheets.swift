import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import MetroSupport

/// A fake Google Sheets API v4 server with Google's service-account OAuth token endpoint and a
/// control API, listening on a loopback port, for tests and the chaos harness.
///
/// ```swift
/// try await FakeSheets.withRunning { sheets in
///     let id = try await sheets.createSpreadsheet()
///     let key = await sheets.serviceAccountKeyJSON()   // GOOGLE_APPLICATION_CREDENTIALS
///     // point SHEETS_API_BASE_URL at sheets.baseURL, run the client, then:
///     let rows = try await sheets.rows(spreadsheetID: id, sheet: "Attendance")
/// }
/// ```
///
/// Routes (see docs/FakeSheets.md): `POST /token`; `GET /v4/spreadsheets/{id}`,
/// `GET|PUT /v4/spreadsheets/{id}/values/{range}`, `POST …/values/{range}:append`,
/// `GET …/values:batchGet`, `POST /v4/spreadsheets/{id}:batchUpdate`; `/control/…`.
public final class FakeSheets: Sendable {
    let state: SheetsState
    private let signal: ShutdownSignal

    /// The base URL of the server, `http://127.0.0.1:<port>`: what `SHEETS_API_BASE_URL` and the
    /// key file's `token_uri` (`<baseURL>/token`) point at.
    public let baseURL: String
    /// The port the server listens on (the ephemeral port when configured with 0).
    public let port: Int

    /// The one event-loop thread on which every fake Sheets server in the process reads and writes
    /// its sockets; the routes run on Swift's cooperative pool, as with any Hummingbird server.
    /// NIO's default group has a thread per core, and on two cores those threads and the pool's
    /// took turns on the same CPUs: one I/O thread cut the CPU an append costs (figures:
    /// docs/BENCHMARKS.md, "Fake Sheets"). Like NIO's own singleton group, it lives as long as
    /// the process.
    static let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    init(state: SheetsState, signal: ShutdownSignal, host: String, port: Int) {
        self.state = state
        self.signal = signal
        self.port = port
        let urlHost = host.contains(":") ? "[\(host)]" : host
        baseURL = "http://\(urlHost):\(port)"
    }

    /// Starts a server, runs `body` with it, and shuts the server down when `body` returns or throws
    /// (held requests are released and their connections dropped first).
    /// - Parameters:
    ///   - configuration: defaults to `Configuration()` (127.0.0.1, ephemeral port, in memory).
    ///   - body: the work to do while the server runs.
    /// - Returns: what `body` returned.
    @discardableResult
    public static func withRunning<T: Sendable>(
        _ configuration: Configuration = .init(),
        _ body: @Sendable (FakeSheets) async throws -> T
    ) async throws -> T {
        let state = try SheetsState(configuration: configuration)
        let signal = ShutdownSignal()
        let baseURLBox = Mutex<String>("")
        let router = SheetsRouter.build(state: state, signal: signal, baseURL: { baseURLBox.withLock { $0 } })
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "FakeSheets")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            server: .http1(limits: configuration.serverLimits),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            eventLoopGroupProvider: .shared(FakeSheets.eventLoopGroup),
            logger: logger
        )
        // Stopped only gracefully, even when the caller is cancelled (see ShieldedServiceGroup).
        let server = ShieldedServiceGroup(services: [app], logger: logger) { portContinuation.finish() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            // The caller was cancelled while the server started, or the server stopped before it
            // listened: surface its error.
            try await server.stop()
            try Task.checkCancellation()
            throw FakeSheetsError.notStarted("the server stopped before it listened on \(configuration.host):\(configuration.port)")
        }
        let fake = FakeSheets(state: state, signal: signal, host: configuration.host, port: port)
        baseURLBox.withLock { $0 = fake.baseURL }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(fake))
        } catch {
            result = .failure(error)
        }
        signal.fire()
        try await server.stop()
        return try result.get()
    }

    /// Creates a spreadsheet shared with every service account the fake issues.
    /// - Parameters:
    ///   - id: the spreadsheet id; `nil` (the default) generates a Google-like 44-character id.
    ///   - sheets: sheet titles in tab order, each 1000 × 26. Defaults to `["Attendance"]`.
    /// - Returns: the spreadsheet id.
    public func createSpreadsheet(id: String? = nil, sheets: [String] = ["Attendance"]) async throws -> String {
        try await state.createSpreadsheet(id: id, title: nil, sheets: sheets, sharedWith: nil)
    }

    /// The service-account JSON key file (as `GET /control/credentials` returns it),
    /// `token_uri` = `"\(baseURL)/token"`. The account's RSA key is generated on first use.
    public func serviceAccountKeyJSON() async -> Data {
        do {
            return try await state.defaultAccount().keyFile(baseURL: baseURL).serialized(pretty: true)
        } catch {
            // Key generation only fails if BoringSSL cannot generate RSA keys at all.
            preconditionFailure("FakeSheets could not generate a service-account key: \(error)")
        }
    }

    /// The formatted values of every row of a sheet, trailing empty rows and cells trimmed.
    /// Throws `FakeSheetsError.notFound` for an unknown spreadsheet or sheet.
    public func rows(spreadsheetID: String, sheet: String) async throws -> [[String]] {
        do {
            return try await state.rows(spreadsheetID: spreadsheetID, sheet: sheet)
        } catch let error as ControlError {
            throw FakeSheetsError.notFound(error.description)
        }
    }

    /// Adds a fault rule; returns its id (for `removeFaults(id:)`).
    /// - Throws: `FakeSheetsError.invalidFaultRule` when the rule cannot be used.
    @discardableResult
    public func addFault(_ rule: SheetsFaultRule) async throws -> String {
        do {
            return try await state.addFault(rule)
        } catch {
            throw FakeSheetsError.invalidFaultRule("\(error)")
        }
    }

    /// Removes the rule with `id`, or every rule when `id` is `nil` (the default); answers whether
    /// one was removed.
    @discardableResult
    public func removeFaults(id: String? = nil) async -> Bool {
        await state.removeFaults(id: id)
    }

    /// Every request received since start (or the last `reset()`), in order; only those of
    /// `operation` when given.
    /// - Parameter operation: defaults to `nil` (every operation).
    public func calls(operation: String? = nil) async -> [SheetsCall] {
        await state.calls(operation: operation)
    }

    /// The requests held right now by a `delay` or `timeout` fault (an append held this way has not
    /// written its row yet).
    public func heldRequests() async -> [SheetsCall] {
        await state.heldCalls()
    }

    /// Makes every access token issued so far expired; API calls with them get 401 until the
    /// client exchanges a new JWT.
    public func expireAccessTokens() async {
        await state.expireTokens()
    }

    /// Forgets spreadsheets, fault rules, the journal and quota counters. Issued service accounts
    /// and access tokens stay valid.
    public func reset() async {
        do {
            try await state.reset()
        } catch {
            Logger(label: "FakeSheets").error("reset could not clear the database: \(error)")
        }
    }
}

/// Errors of the fake's Swift API.
public enum FakeSheetsError: Error, Sendable, CustomStringConvertible {
    /// The server could not start (e.g. the port is taken).
    case notStarted(String)
    /// No such spreadsheet or sheet.
    case notFound(String)
    /// A fault rule cannot be used (the message says which field and why).
    case invalidFaultRule(String)

    public var description: String {
        switch self {
        case .notStarted(let message): return "FakeSheets did not start: \(message)"
        case .notFound(let message): return message
        case .invalidFaultRule(let message): return "invalid fault rule: \(message)"
        }
    }
}
