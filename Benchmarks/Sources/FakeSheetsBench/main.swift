// FakeSheetsBench — release-mode benchmark of the fake Sheets server, with the load in a second
// process (see docs/BENCHMARKS.md, "Fake Sheets").
//
//   FakeSheetsBench                      spawn `FakeSheetsBench serve` as a child process, then measure
//                                        from this process: token exchange latency, appends/s with 16
//                                        concurrent writers, and memory per stored cell (child RSS)
//   FakeSheetsBench serve [--port N]     run a standalone fake until stdin closes or SIGTERM; prints one
//                                        JSON line: baseURL, spreadsheetId, credentials (key file path), pid
//
// Options of the measuring mode: --writers 16 --appends 40000 --exchanges 200 --memory-rows 100000
import AsyncHTTPClient
import Crypto
import FakeSheets
import Foundation
import NIOCore
import NIOHTTP1
import ProcessReadings
import _CryptoExtras

let arguments = Array(CommandLine.arguments.dropFirst())

func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: "--\(name)"), i + 1 < arguments.count, let value = Int(arguments[i + 1]) else { return fallback }
    return value
}

func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

// MARK: serve

func serve() async throws {
    try await FakeSheets.withRunning(.init(port: option("port", 0))) { fake in
        let id = try await fake.createSpreadsheet(id: "bench", sheets: ["Attendance", "Memory"])
        let keyPath = FileManager.default.temporaryDirectory.appendingPathComponent("fake-sheets-bench-\(getpid()).json").path
        try await fake.serviceAccountKeyJSON().write(to: URL(fileURLWithPath: keyPath))
        let line = try JSONSerialization.data(withJSONObject: [
            "baseURL": fake.baseURL, "spreadsheetId": id, "credentials": keyPath, "pid": Int(getpid()),
        ], options: [.sortedKeys])
        printLine(String(decoding: line, as: UTF8.self))
        // Serve until stdin reaches EOF (the parent exits or closes the pipe) or SIGTERM/SIGINT.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                while readLine() != nil {}
                continuation.resume()
            }
        }
        try? FileManager.default.removeItem(atPath: keyPath)
    }
}

// MARK: measure

struct Target {
    var baseURL: String
    var spreadsheetID: String
    var key: [String: String]
    var pid: Int32
}

func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
}

func assertion(_ key: [String: String]) throws -> String {
    let now = Int(Date().timeIntervalSince1970)
    let header = ["alg": "RS256", "typ": "JWT", "kid": key["private_key_id"]!]
    let claims: [String: Any] = ["iss": key["client_email"]!, "aud": "https://oauth2.googleapis.com/token",
                                 "scope": "https://www.googleapis.com/auth/spreadsheets", "iat": now, "exp": now + 3600]
    let input = base64URL(try JSONSerialization.data(withJSONObject: header)) + "." + base64URL(try JSONSerialization.data(withJSONObject: claims))
    let privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: key["private_key"]!)
    let signature = try privateKey.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
    return input + "." + base64URL(signature.rawRepresentation)
}

func send(_ client: HTTPClient, _ method: HTTPMethod, _ url: String, body: Data?, contentType: String = "application/json",
          token: String? = nil) async throws -> (Int, Data) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let body {
        request.body = .bytes(ByteBuffer(bytes: body))
        request.headers.add(name: "Content-Type", value: contentType)
    }
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    let response = try await client.execute(request, timeout: .seconds(30))
    let buffer = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), Data(buffer.readableBytesView))
}

func exchange(_ client: HTTPClient, _ target: Target, _ jwt: String) async throws -> String {
    let form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(jwt)"
    let (status, body) = try await send(client, .POST, target.baseURL + "/token", body: Data(form.utf8), contentType: "application/x-www-form-urlencoded")
    guard status == 200, let json = try JSONSerialization.jsonObject(with: body) as? [String: Any], let token = json["access_token"] as? String else {
        throw BenchError("token exchange answered \(status): \(String(decoding: body, as: UTF8.self))")
    }
    return token
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

func measure() async throws {
    let writers = option("writers", 16)
    let appends = option("appends", 40_000)
    let exchanges = option("exchanges", 200)
    let memoryRows = option("memory-rows", 100_000)

    // The fake runs in a second process: this very executable in `serve` mode.
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    child.arguments = ["serve"]
    let stdout = Pipe()
    let stdin = Pipe()
    child.standardOutput = stdout
    child.standardInput = stdin
    try child.run()
    defer {
        try? stdin.fileHandleForWriting.close()
        child.waitUntilExit()
    }
    var lineData = Data()
    while !lineData.contains(UInt8(ascii: "\n")) {
        let chunk = stdout.fileHandleForReading.availableData
        guard !chunk.isEmpty else { throw BenchError("the serve process exited before printing its address") }
        lineData.append(chunk)
    }
    guard let info = try JSONSerialization.jsonObject(with: lineData.prefix { $0 != UInt8(ascii: "\n") }) as? [String: Any],
          let baseURL = info["baseURL"] as? String, let keyPath = info["credentials"] as? String,
          let key = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: keyPath))) as? [String: String] else {
        throw BenchError("unreadable serve line: \(String(decoding: lineData, as: UTF8.self))")
    }
    let target = Target(baseURL: baseURL, spreadsheetID: info["spreadsheetId"] as? String ?? "bench", key: key, pid: Int32(child.processIdentifier))
    printLine("fake: \(baseURL) (pid \(target.pid)); writers \(writers), appends \(appends), exchanges \(exchanges), memory rows \(memoryRows)")

    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(writers, 8))
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
        // 1. Token exchange: JWTs signed beforehand, so only the round trip and the server's RS256
        //    verification are timed.
        let jwts = try (0..<exchanges).map { _ in try assertion(key) }
        var latencies: [Double] = []
        var token = ""
        for jwt in jwts {
            let start = ContinuousClock.now
            token = try await exchange(client, target, jwt)
            latencies.append(Double((ContinuousClock.now - start).components.attoseconds) / 1e12 + Double((ContinuousClock.now - start).components.seconds) * 1e6)
        }
        printLine(String(format: "token exchange: median %.0f µs, p90 %.0f µs over %d exchanges", median(latencies),
                         latencies.sorted()[latencies.count * 9 / 10], exchanges))

        // 2. Memory per stored cell: RSS of the fake before and after storing memoryRows × 10 cells
        //    in 500-row appends (few requests, so the journal is negligible).
        let rssBefore = ProcessReadings.residentBytes(of: target.pid)
        let batch = 500
        var stored = 0
        while stored < memoryRows {
            let rows = (0..<min(batch, memoryRows - stored)).map { i in
                ["2024-05-01T08:00:00Z", "\(1000 + (stored + i) % 500)", "user\(i % 97)", "Ana Pérez", "check_in",
                 "40.4168", "-3.7038", "Madrid HQ", "12", "\(stored + i)"]
            }
            let body = try JSONSerialization.data(withJSONObject: ["values": rows])
            let (status, answer) = try await send(client, .POST, "\(baseURL)/v4/spreadsheets/\(target.spreadsheetID)/values/Memory!A1:append?valueInputOption=USER_ENTERED",
                                                  body: body, token: token)
            guard status == 200 else { throw BenchError("bulk append answered \(status): \(String(decoding: answer, as: UTF8.self))") }
            stored += rows.count
        }
        let rssAfter = ProcessReadings.residentBytes(of: target.pid)
        let cells = memoryRows * 10
        printLine(String(format: "memory: RSS %.1f MiB → %.1f MiB for %d cells: %.1f bytes per cell", Double(rssBefore) / 1048576,
                         Double(rssAfter) / 1048576, cells, Double(rssAfter - rssBefore) / Double(cells)))

        // 3. Appends/s: `writers` concurrent writers, each appending one attendance row at a time.
        let perWriter = appends / writers
        let row = ["2024-05-01T08:00:00Z", "1001", "ana", "Ana Pérez", "check_in", "40.4168", "-3.7038", "Madrid HQ", "12", "1"]
        let body = try JSONSerialization.data(withJSONObject: ["values": [row]])
        let url = "\(baseURL)/v4/spreadsheets/\(target.spreadsheetID)/values/Attendance!A1:append?valueInputOption=USER_ENTERED"
        let accessToken = token
        let start = ContinuousClock.now
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    var failed = 0
                    for _ in 0..<perWriter {
                        let (status, _) = try await send(client, .POST, url, body: body, token: accessToken)
                        if status != 200 { failed += 1 }
                    }
                    return failed
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        printLine(String(format: "appends: %d in %.2f s with %d writers = %.0f appends/s (%d failed)", perWriter * writers, seconds, writers,
                         Double(perWriter * writers) / seconds, failures))
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
}

if arguments.first == "serve" {
    try await serve()
} else {
    try await measure()
}
