// RuntimeBench — the bot's runtime figures (issue 5), in release mode, outside `swift test`.
//
//   swift build -c release --package-path Benchmarks --product metro-bot      # one product per
//   swift build -c release --package-path Benchmarks --product RuntimeBench   # command (else: the last)
//   Benchmarks/.build/release/RuntimeBench startup [--runs 10]
//   Benchmarks/.build/release/RuntimeBench latency [--rate 1000] [--seconds 10]
//   Benchmarks/.build/release/RuntimeBench memory [--pending 100000] [--concurrency 8]
//   Benchmarks/.build/release/RuntimeBench serve          # then load the printed URL with wrk
//   Benchmarks/.build/release/RuntimeBench sparse [--flows 100] [--gap-ms 100] [--burst 200] [--bursts 5] [--floor PATH]
//
// This process runs the fake Telegram and the fake Sheets in-process and starts the real
// `metro-bot` binary (found next to this one, or `--bot PATH`) as a child process in webhook mode,
// with a fresh database in a temporary directory. It is also the load: webhook deliveries are
// POSTed to the bot the way Telegram sends them (JSON update, secret-token header), each a
// `/checkin` from one of 2,000 users whose chats the fake Telegram knows, so the bot's replies are
// accepted as in reality.
//
// - startup: time from spawning the process to the first `/health` answering 200, then the
//   resident memory (VmRSS of the child) once it has been idle in webhook mode for 3 seconds.
// - latency: deliveries sent open-loop at a fixed rate; each one's time runs from when it was
//   due to be sent until its 200 (so a stalled bot cannot hide queued requests). Also the CPU
//   time per delivery, after the warm-up, of the bot and of this process (the load and the fakes).
// - memory: the growth of the bot's resident memory (VmRSS, idle before and after) from 0 to
//   `--pending` abandoned pending actions: that many distinct users each send `/checkin` through
//   the webhook and never share a location. Those users' chats are introduced to the fake first.
// - sparse: the cost of one lone check-in against a saturated burst, in the same run of one bot.
//   A flow is the whole check-in: `/checkin` delivered to the webhook, the reply reaching the fake
//   Telegram, the location delivered, the row appended to the fake Sheets, the confirmation
//   reaching the fake Telegram. First `--flows` flows one at a time (each waits for the previous
//   one's reply, confirmation and row, then `--gap-ms`), then `--bursts` bursts of `--burst`
//   users' flows all at once (the location right after the `/checkin`'s 200; each burst once the
//   previous one is confirmed and appended; several so that the CPU time, read in 10 ms ticks,
//   is precise). For each: the bot's CPU per flow (utime +
//   stime), its context switches per flow (voluntary + involuntary, summed over its threads,
//   sampled every 5 ms so that threads that come and go are counted), the threads created during
//   the phase and the most alive at once, p50/p99 from the location's delivery (just before its
//   POST) to the confirmation's arrival at the fake (the fake's own timestamp), and VmRSS.
//   `--floor Benchmarks/.build/release/SparseFloor` runs the same flows against SparseFloor (the
//   same HTTP exchanges and nothing else) instead of the bot.
// - serve: prints the webhook URL, the secret and a first unused update_id for wrk, and runs
//   until interrupted.

import AsyncHTTPClient
import ChaosKit
import Dispatch
import FakeSheets
import FakeTelegram
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import ProcessReadings

let arguments = Array(CommandLine.arguments.dropFirst())
let mode = arguments.first ?? "startup"

@Sendable func option(_ name: String, default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Int(arguments[index + 1]) else { return value }
    return number
}

@Sendable func stringOption(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let botPath = stringOption("--bot")
    ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("metro-bot").path
let users: ClosedRange<Int64> = 1_000...2_999
let webhookSecret = "runtime-bench-secret"
let sites = #"[{"name": "Madrid HQ", "latitude": 40.4168, "longitude": -3.7038, "radius_m": 150}]"#

guard FileManager.default.isExecutableFile(atPath: botPath) else {
    FileHandle.standardError.write(Data("RuntimeBench: no metro-bot at \(botPath); build it with `swift build -c release --package-path Benchmarks --product metro-bot` or pass --bot PATH\n".utf8))
    exit(2)
}

// MARK: - Helpers

@Sendable func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

@Sendable func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

@Sendable func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The load's client: up to 128 connections to the bot, so that 1,000 deliveries/s never queue
/// on the client side (AsyncHTTPClient's shared client allows 8 per host).
let loadClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

@Sendable func post(_ url: String, json: String, headers: [(String, String)] = [], timeout: Int64 = 30) async throws -> (Int, String) {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    request.body = .bytes(ByteBuffer(string: json))
    let response = try await loadClient.execute(request, timeout: .seconds(timeout))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: body))
}

@Sendable func get(_ url: String) async throws -> (Int, String) {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: body))
}

/// A webhook delivery: `/checkin` from one of the known users, as Telegram serializes it.
@Sendable func checkInUpdate(_ updateID: Int64) -> String {
    checkInUpdate(updateID, user: users.lowerBound + updateID % Int64(users.count))
}

@Sendable func checkInUpdate(_ updateID: Int64, user: Int64) -> String {
    #"{"update_id":\#(updateID),"message":{"message_id":\#(updateID),"date":\#(Int(Date().timeIntervalSince1970)),"chat":{"id":\#(user),"type":"private","first_name":"User"},"from":{"id":\#(user),"is_bot":false,"first_name":"User"},"text":"/checkin","entities":[{"type":"bot_command","offset":0,"length":8}]}}"#
}

// MARK: - The fakes and the bot

/// The fakes with a registered bot, a spreadsheet and the users' chats; the bot is started from it.
struct Stage {
    var telegram: FakeTelegram
    var sheets: FakeSheets
    var token: String
    var sheetsBaseURL: String
    var spreadsheetID: String
    var credentials: URL

    /// Makes the fake Telegram know every user's chat, then confirms those updates so that the
    /// bot starts with nothing pending.
    func introduceUsers() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = users.makeIterator()
            func add() { if let user = iterator.next() { group.addTask { _ = try await post("\(telegram.baseURL)/control/users/\(user)/messages", json: #"{"text": "hello", "first_name": "User"}"#) } } }
            for _ in 0..<16 { add() }
            while try await group.next() != nil { add() }
        }
        try await confirmAllUpdates()
    }

    /// Makes the fake Telegram know each of `users`' chats (through its Swift API: many users
    /// fast), then confirms those updates.
    func introduce(_ users: ClosedRange<Int64>) async throws {
        for user in users {
            _ = try await telegram.sendUserMessage(userID: user, text: "hello", firstName: "User")
        }
        try await confirmAllUpdates()
    }

    /// Confirms every update the fake holds, as a bot would with getUpdates, so that the bot
    /// under test starts with nothing pending.
    func confirmAllUpdates() async throws {
        let api = "\(telegram.baseURL)/bot\(token)/getUpdates"
        let (_, last) = try await post(api, json: #"{"offset": -1, "timeout": 0}"#)
        guard let data = last.data(using: .utf8),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let result = object["result"] as? [[String: Any]], let id = result.last?["update_id"] as? Int
        else { throw BenchError("getUpdates answered \(last)") }
        _ = try await post(api, json: #"{"offset": \#(id + 1), "timeout": 0}"#)
    }
}

/// One running `metro-bot`.
struct RunningBot {
    var process: Process
    var port: Int
    var directory: URL
    var spawnedAt: ContinuousClock.Instant

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var webhookURL: String { baseURL + "/telegram/webhook" }

    static func start(on stage: Stage, binary: String = botPath) throws -> RunningBot {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("runtimebench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(sites.utf8).write(to: directory.appendingPathComponent("sites.json"))
        let port = try BotEnvironment.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "TELEGRAM_BOT_TOKEN": stage.token,
            "TELEGRAM_API_BASE_URL": stage.telegram.baseURL,
            "SHEETS_API_BASE_URL": stage.sheetsBaseURL,
            "SPREADSHEET_ID": stage.spreadsheetID,
            "GOOGLE_APPLICATION_CREDENTIALS": stage.credentials.path,
            "SITES_FILE": directory.appendingPathComponent("sites.json").path,
            "DATABASE_PATH": directory.appendingPathComponent("bot.sqlite").path,
            "LOG_DIR": directory.appendingPathComponent("logs").path,
            "HOST": "127.0.0.1",
            "PORT": String(port),
            "WEBHOOK_URL": "http://127.0.0.1:\(port)",
            "WEBHOOK_SECRET": webhookSecret,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let spawnedAt = ContinuousClock.now
        try process.run()
        return RunningBot(process: process, port: port, directory: directory, spawnedAt: spawnedAt)
    }

    /// Polls `/health` every millisecond until it answers 200; returns the time since spawning.
    func untilHealthy() async throws -> Duration {
        while process.isRunning {
            if let (status, _) = try? await get(baseURL + "/health"), status == 200 {
                return ContinuousClock.now - spawnedAt
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw BenchError("metro-bot exited with \(process.terminationStatus) before /health answered; see \(directory.path)/logs")
    }

    func untilWebhookMode() async throws {
        for _ in 0..<2_000 {
            if let (_, body) = try? await get(baseURL + "/health"), body.contains(#""mode":"webhook""#) { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw BenchError("metro-bot did not reach webhook mode within 10 s")
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

@Sendable func withStage(_ body: @escaping @Sendable (Stage) async throws -> Void) async throws {
    try await FakeTelegram.withRunning { telegram in
        let bot = await telegram.registerBot()
        try await FakeSheets.withRunning { sheets in
            let credentials = FileManager.default.temporaryDirectory.appendingPathComponent("runtimebench-\(UUID().uuidString).json")
            try await sheets.serviceAccountKeyJSON().write(to: credentials)
            defer { try? FileManager.default.removeItem(at: credentials) }
            let stage = Stage(telegram: telegram, sheets: sheets, token: bot.token, sheetsBaseURL: sheets.baseURL,
                              spreadsheetID: try await sheets.createSpreadsheet(), credentials: credentials)
            try await stage.introduceUsers()
            try await body(stage)
        }
    }
}

// MARK: - Sparse: threads, context switches, flows

/// Each live thread of `pid` (its id in /proc/PID/task) with its context switches so far,
/// voluntary and involuntary summed.
@Sendable func threadSwitches(of pid: Int32) -> [Int: Int] {
    guard let ids = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return [:] }
    var threads: [Int: Int] = [:]
    for id in ids {
        guard let tid = Int(id),
              let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(id)/status", encoding: .utf8) else { continue }
        var switches = 0
        for line in status.split(separator: "\n") where line.hasPrefix("voluntary_ctxt_switches:") || line.hasPrefix("nonvoluntary_ctxt_switches:") {
            switches += Int(line.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
        }
        threads[tid] = switches
    }
    return threads
}

/// The names of `pid`'s live threads (their `comm`), with how many carry each.
@Sendable func threadNames(of pid: Int32) -> String {
    let ids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
    var counts: [String: Int] = [:]
    for id in ids {
        let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(id)/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        counts[name, default: 0] += 1
    }
    return counts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
}

/// A census of a process's threads over a phase: which existed at the start, which appeared, the
/// most alive at once, and the context switches of all of them (a thread's last reading counts,
/// so one that exits between two samples loses at most its last 5 ms).
final class ThreadCensus: @unchecked Sendable {
    private let pid: Int32
    private let lock = NSLock()
    private var initial: [Int: Int]
    private var last: [Int: Int]
    private var peak: Int
    private var sampler: Task<Void, Never>?

    init(pid: Int32) {
        self.pid = pid
        initial = threadSwitches(of: pid)
        last = initial
        peak = initial.count
    }

    func start() {
        sampler = Task { [self] in
            while !Task.isCancelled {
                sample()
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    private func sample() {
        let now = threadSwitches(of: pid)
        lock.withLock {
            for (tid, switches) in now { last[tid] = switches }
            peak = max(peak, now.count)
        }
    }

    /// Stops sampling; the phase's switches, threads created and peak of live threads.
    func finish() async -> (switches: Int, created: Int, peak: Int, atStart: Int) {
        sampler?.cancel()
        await sampler?.value
        sample()
        return lock.withLock {
            let switches = last.reduce(0) { $0 + $1.value - (initial[$1.key] ?? 0) }
            return (switches, last.keys.filter { initial[$0] == nil }.count, peak, initial.count)
        }
    }
}

/// A location message from `user` at Madrid HQ, as Telegram serializes it.
@Sendable func locationUpdate(_ updateID: Int64, user: Int64) -> String {
    #"{"update_id":\#(updateID),"message":{"message_id":\#(updateID),"date":\#(Int(Date().timeIntervalSince1970)),"chat":{"id":\#(user),"type":"private","first_name":"User"},"from":{"id":\#(user),"is_bot":false,"first_name":"User"},"location":{"latitude":40.4168,"longitude":-3.7038}}}"#
}

/// One delivery to the bot's webhook; throws unless it is answered 200.
@Sendable func deliver(_ json: String, to bot: RunningBot) async throws {
    let (status, body) = try await post(bot.webhookURL, json: json, headers: [("X-Telegram-Bot-Api-Secret-Token", webhookSecret)])
    guard status == 200 else { throw BenchError("delivery got \(status): \(body)") }
}

struct PhaseFigures {
    var flows: Int
    var cpuSeconds: Double
    var wallSeconds: Double
    var switches: Int
    var threadsCreated: Int
    var peakThreads: Int
    var threadsAtStart: Int
    var latencies: [Double]  // ms, sorted
    var rssMiB: Double
}

/// The confirmations ("Checked in …") the fake Telegram received for `users`, with when each
/// arrived, by user.
@Sendable func confirmations(on stage: Stage, users: Set<Int64>) async throws -> [Int64: Date] {
    var arrivals: [Int64: Date] = [:]
    for call in try await stage.telegram.calls(method: "sendMessage") {
        guard case .string(let text)? = call.params["text"], text.hasPrefix("Checked in") else { continue }
        let chat: Int64?
        switch call.params["chat_id"] {
        case .int(let id)?: chat = id
        case .string(let id)?: chat = Int64(id)
        default: chat = nil
        }
        if let chat, users.contains(chat), arrivals[chat] == nil { arrivals[chat] = call.at }
    }
    return arrivals
}

/// Runs `users.count` flows, one at a time (`paced`, with `gap` after each) or in bursts of
/// `burstSize` at once (each burst waits until the previous one is confirmed), and measures the
/// bot over the phase.
@Sendable func runFlows(_ users: [Int64], paced: Bool, gap: Duration, burstSize: Int = .max, firstUpdateID: Int64,
                        bot: RunningBot, stage: Stage, rows: Bool = true) async throws -> PhaseFigures {
    let pid = bot.process.processIdentifier
    let rowsBefore = try await stage.sheets.rows(spreadsheetID: stage.spreadsheetID, sheet: "Attendance").count
    let census = ThreadCensus(pid: pid)
    census.start()
    let cpuBefore = ProcessReadings.cpuSeconds(of: pid)
    let started = ContinuousClock.now
    var sentAt: [Int64: Date] = [:]
    if paced {
        for (index, user) in users.enumerated() {
            let updateID = firstUpdateID + Int64(2 * index)
            try await deliver(checkInUpdate(updateID, user: user), to: bot)
            while try await stage.telegram.chatMessages(chatID: user).isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            sentAt[user] = Date()
            try await deliver(locationUpdate(updateID + 1, user: user), to: bot)
            while try await stage.telegram.chatMessages(chatID: user).count < 2 { try await Task.sleep(for: .milliseconds(1)) }
            while rows, try await stage.sheets.rows(spreadsheetID: stage.spreadsheetID, sheet: "Attendance").count < rowsBefore + index + 1 {
                try await Task.sleep(for: .milliseconds(1))
            }
            try await Task.sleep(for: gap)
        }
    } else {
        for start in stride(from: 0, to: users.count, by: burstSize) {
            let burst = Array(users[start..<min(start + burstSize, users.count)])
            let sent = try await withThrowingTaskGroup(of: (Int64, Date).self) { group in
                for (offset, user) in burst.enumerated() {
                    let index = start + offset
                    group.addTask {
                        let updateID = firstUpdateID + Int64(2 * index)
                        try await deliver(checkInUpdate(updateID, user: user), to: bot)
                        let at = Date()
                        try await deliver(locationUpdate(updateID + 1, user: user), to: bot)
                        return (user, at)
                    }
                }
                var sent: [Int64: Date] = [:]
                for try await (user, at) in group { sent[user] = at }
                return sent
            }
            sentAt.merge(sent) { $1 }
            let done = start + burst.count
            while true {
                var appended = done
                if rows { appended = try await stage.sheets.rows(spreadsheetID: stage.spreadsheetID, sheet: "Attendance").count - rowsBefore }
                if appended >= done, try await confirmations(on: stage, users: Set(burst)).count >= burst.count { break }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
    let wall = seconds(ContinuousClock.now - started)
    let cpu = ProcessReadings.cpuSeconds(of: pid) - cpuBefore
    let threads = await census.finish()
    let arrivals = try await confirmations(on: stage, users: Set(users))
    let latencies = users.compactMap { user in
        arrivals[user].flatMap { arrival in sentAt[user].map { arrival.timeIntervalSince($0) * 1000 } }
    }.sorted()
    guard latencies.count == users.count else { throw BenchError("\(users.count - latencies.count) confirmations missing") }
    return PhaseFigures(flows: users.count, cpuSeconds: cpu, wallSeconds: wall, switches: threads.switches,
                        threadsCreated: threads.created, peakThreads: threads.peak, threadsAtStart: threads.atStart,
                        latencies: latencies, rssMiB: Double(ProcessReadings.residentBytes(of: pid)) / 1_048_576)
}

// MARK: - Modes

nonisolated(unsafe) var signalSources: [any DispatchSourceSignal] = []

switch mode {
case "startup":
    let runs = option("--runs", default: 10)
    try await withStage { stage in
        var startTimes: [Double] = []
        var idleRSS: [Double] = []
        for run in 1...runs {
            let bot = try RunningBot.start(on: stage)
            let healthy = try await bot.untilHealthy()
            try await bot.untilWebhookMode()
            try await Task.sleep(for: .seconds(3))
            let rss = Double(ProcessReadings.residentBytes(of: bot.process.processIdentifier)) / 1_048_576
            bot.stop()
            startTimes.append(seconds(healthy) * 1000)
            idleRSS.append(rss)
            print(String(format: "run %2d: start-to-healthy %7.1f ms, idle RSS %5.1f MiB", run, seconds(healthy) * 1000, rss))
        }
        print(String(format: "median: start-to-healthy %.1f ms (min %.1f, max %.1f), idle RSS %.1f MiB (min %.1f, max %.1f)",
                     median(startTimes), startTimes.min() ?? 0, startTimes.max() ?? 0,
                     median(idleRSS), idleRSS.min() ?? 0, idleRSS.max() ?? 0))
    }

case "latency":
    let rate = option("--rate", default: 1_000)
    let duration = option("--seconds", default: 10)
    let warmup = option("--warmup", default: 2)
    try await withStage { stage in
        let bot = try RunningBot.start(on: stage)
        defer { bot.stop() }
        _ = try await bot.untilHealthy()
        try await bot.untilWebhookMode()
        let total = rate * (warmup + duration)
        let interval = Duration.nanoseconds(1_000_000_000 / Int64(rate))
        let clock = ContinuousClock()
        let start = clock.now + .milliseconds(100)
        let pid = bot.process.processIdentifier
        let measuredFrom = rate * warmup
        var cpuAtStart = (bot: 0.0, bench: 0.0)
        let results = try await withThrowingTaskGroup(of: (Int, Double, Int).self) { group in
            for index in 0..<total {
                let due = start + interval * index
                try await clock.sleep(until: due)
                if index == measuredFrom { cpuAtStart = (ProcessReadings.cpuSeconds(of: pid), ProcessReadings.cpuSeconds()) }
                group.addTask {
                    // A delivery that fails or times out counts as a non-200 answer, not a crash.
                    let status = (try? await post(bot.webhookURL, json: checkInUpdate(Int64(1_000_000 + index)),
                                                  headers: [("X-Telegram-Bot-Api-Secret-Token", webhookSecret)], timeout: 10).0) ?? -1
                    return (index, seconds(clock.now - due) * 1000, status)
                }
            }
            var results: [(Int, Double, Int)] = []
            for try await result in group { results.append(result) }
            return results
        }
        let cpu = (bot: ProcessReadings.cpuSeconds(of: pid) - cpuAtStart.bot, bench: ProcessReadings.cpuSeconds() - cpuAtStart.bench)
        let measured = results.filter { $0.0 >= measuredFrom }
        let failed = measured.filter { $0.2 != 200 }.count
        let latencies = measured.map(\.1).sorted()
        print(String(format: "%d deliveries at %d/s (after %d s warm-up): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, non-200: %d; CPU per delivery: bot %.0f µs, this process (load and fakes) %.0f µs",
                     measured.count, rate, warmup, percentile(latencies, 0.5), percentile(latencies, 0.9),
                     percentile(latencies, 0.99), latencies.last ?? 0, failed,
                     cpu.bot / Double(measured.count) * 1e6, cpu.bench / Double(measured.count) * 1e6))
    }

case "memory":
    let pending = option("--pending", default: 100_000)
    let concurrency = option("--concurrency", default: 8)
    let absent: ClosedRange<Int64> = 1_000_000...(1_000_000 + Int64(pending) - 1)
    try await withStage { stage in
        try await stage.introduce(absent)
        let bot = try RunningBot.start(on: stage)
        defer { bot.stop() }
        _ = try await bot.untilHealthy()
        try await bot.untilWebhookMode()
        try await Task.sleep(for: .seconds(3))
        let before = ProcessReadings.residentBytes(of: bot.process.processIdentifier)
        let repliesBefore = try await stage.telegram.calls(method: "sendMessage").count
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = absent.makeIterator()
            func add() {
                guard let user = iterator.next() else { return }
                group.addTask {
                    let (status, body) = try await post(bot.webhookURL, json: checkInUpdate(10_000_000 + user, user: user),
                                                        headers: [("X-Telegram-Bot-Api-Secret-Token", webhookSecret)])
                    guard status == 200 else { throw BenchError("delivery for user \(user) got \(status): \(body)") }
                }
            }
            for _ in 0..<concurrency { add() }
            while try await group.next() != nil { add() }
        }
        // Every user asked for a location, i.e. the bot has done all its work.
        while try await stage.telegram.calls(method: "sendMessage").count - repliesBefore < pending {
            try await Task.sleep(for: .milliseconds(500))
        }
        let elapsed = seconds(ContinuousClock.now - started)
        try await Task.sleep(for: .seconds(5))
        let after = ProcessReadings.residentBytes(of: bot.process.processIdentifier)
        let (_, health) = try await get(bot.baseURL + "/health")
        let stored = health.firstRange(of: #""pending_actions":"#).map { health[$0.upperBound...].prefix { $0.isNumber } } ?? "?"
        let mebibytes = { (bytes: Int) in Double(bytes) / 1_048_576 }
        let pid = bot.process.processIdentifier
        print(String(format: "%d abandoned check-ins through the webhook in %.1f s (%d at a time); pending_actions %@; idle RSS %.1f → %.1f MiB, growth %.1f MiB (now RssAnon %.1f, RssFile %.1f)",
                     pending, elapsed, concurrency, String(stored), mebibytes(before), mebibytes(after), mebibytes(after - before),
                     mebibytes(ProcessReadings.residentBytes("RssAnon", of: pid)), mebibytes(ProcessReadings.residentBytes("RssFile", of: pid))))
    }

case "sparse":
    let flows = option("--flows", default: 100)
    let burst = option("--burst", default: 200)
    let bursts = option("--bursts", default: 5)
    let gap = Duration.milliseconds(option("--gap-ms", default: 100))
    // `--floor PATH`: SparseFloor instead of the bot, the same flows without the store or the sheet.
    let floor = stringOption("--floor")
    guard flows + burst * bursts + 1 <= users.count else {
        FileHandle.standardError.write(Data("RuntimeBench sparse: --flows + --burst × --bursts must stay under \(users.count)\n".utf8))
        exit(2)
    }
    try await withStage { stage in
        let bot = try RunningBot.start(on: stage, binary: floor ?? botPath)
        defer { bot.stop() }
        _ = try await bot.untilHealthy()
        try await bot.untilWebhookMode()
        let rows = floor == nil
        // One flow first: the access token, the connections to both fakes.
        _ = try await runFlows([users.lowerBound], paced: true, gap: .seconds(1), firstUpdateID: 5_000_000, bot: bot, stage: stage, rows: rows)
        try await Task.sleep(for: .seconds(2))
        let idleRSS = Double(ProcessReadings.residentBytes(of: bot.process.processIdentifier)) / 1_048_576
        let idleThreads = threadNames(of: bot.process.processIdentifier)
        let pacedUsers = (1...flows).map { users.lowerBound + Int64($0) }
        let burstUsers = (1...(burst * bursts)).map { users.lowerBound + Int64(flows + $0) }
        let sparse = try await runFlows(pacedUsers, paced: true, gap: gap, firstUpdateID: 6_000_000, bot: bot, stage: stage, rows: rows)
        try await Task.sleep(for: .seconds(1))
        let saturated = try await runFlows(burstUsers, paced: false, gap: .zero, burstSize: burst, firstUpdateID: 7_000_000, bot: bot, stage: stage, rows: rows)
        print("bot \(floor ?? botPath); idle RSS after one warm-up flow \(String(format: "%.1f", idleRSS)) MiB")
        print("threads idle: \(idleThreads)")
        print("mode    flows  CPU/flow ms  ctx sw/flow  threads created  threads peak (start)  p50 ms  p99 ms  RSS MiB  flows/s")
        for (name, figures) in [("paced", sparse), ("burst", saturated)] {
            print(String(format: "%@  %5d  %11.3f  %11.1f  %15d  %12d (%d)  %6.2f  %6.2f  %7.1f  %7.1f",
                         name.padding(toLength: 6, withPad: " ", startingAt: 0), figures.flows,
                         figures.cpuSeconds / Double(figures.flows) * 1000, Double(figures.switches) / Double(figures.flows),
                         figures.threadsCreated, figures.peakThreads, figures.threadsAtStart,
                         percentile(figures.latencies, 0.5), percentile(figures.latencies, 0.99), figures.rssMiB,
                         Double(figures.flows) / figures.wallSeconds))
        }
        let ratio = (sparse.cpuSeconds / Double(sparse.flows)) / (saturated.cpuSeconds / Double(saturated.flows))
        print(String(format: "sparse/burst CPU per flow: %.2f×", ratio))
        print("threads now: \(threadNames(of: bot.process.processIdentifier))")
    }

case "serve":
    try await withStage { stage in
        let bot = try RunningBot.start(on: stage)
        defer { bot.stop() }
        _ = try await bot.untilHealthy()
        try await bot.untilWebhookMode()
        // Written unbuffered: a script reading this through a pipe or file needs it at once.
        FileHandle.standardOutput.write(Data("""
            WEBHOOK_URL=\(bot.webhookURL)
            WEBHOOK_SECRET=\(webhookSecret)
            BOT_PID=\(bot.process.processIdentifier)
            HEALTH_URL=\(bot.baseURL)/health
            Ctrl-C to stop

            """.utf8))
        let signals = AsyncStream<Void> { continuation in
            signal(SIGINT, SIG_IGN)
            signal(SIGTERM, SIG_IGN)
            for number in [SIGINT, SIGTERM] {
                let source = DispatchSource.makeSignalSource(signal: number)
                source.setEventHandler { continuation.yield() }
                source.resume()
                signalSources.append(source)  // kept alive until the process exits
            }
        }
        for await _ in signals { break }
    }

default:
    FileHandle.standardError.write(Data("usage: RuntimeBench startup [--runs N] | latency [--rate N] [--seconds N] | memory [--pending N] [--concurrency N] | sparse [--flows N] [--gap-ms N] [--burst N] [--bursts N] [--floor PATH] | serve  [--bot PATH]\n".utf8))
    exit(2)
}
