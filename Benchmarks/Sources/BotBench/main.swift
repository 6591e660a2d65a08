// BotBench — throughput and memory of the bot core, in release mode, outside `swift test`.
//
//   swift run -c release --package-path Benchmarks BotBench [--checkins N] [--batch N] [--skip-memory | --intake-only | --memory-control]
//   swift run -c release --package-path Benchmarks BotBench --intake-only [--arrivals none|transaction|separate]
//   … BotBench [--database-url postgres://USER:PASSWORD@HOST:PORT/EMPTY_DATABASE]  # the PostgreSQL store
//   swift run -c release --package-path Benchmarks BotBench serve-fakes
//
// The fakes run in a child process (this binary with `serve-fakes`), so that the resident memory
// measured is the bot's alone. The bench builds the bot's real services from a real
// `BotConfiguration` (fake URLs, a temporary SQLite file) and feeds decoded updates to
// `UpdateIntake` in batches, as the poller does; the outbox worker and the reply sender run
// against the fakes over HTTP.
//
// 1. Throughput: N users each send /checkin and a location (2N updates). Timed from the first
//    batch handed to the intake until every row is confirmed by the fake Sheets (outbox empty)
//    and every reply accepted by the fake Telegram (outgoing queue empty).
//    With `--intake-only`, the intake alone: no outbox worker or reply sender, timed until the
//    last batch is durable, with the process's CPU time per update. `--arrivals` adds the event
//    journal's arrival record of each update (its JSON, as a webhook body brings it): `transaction`
//    in the intake's own transaction, as the bot writes it; `separate` in a second transaction
//    after each batch, as the journal service wrote it before; `none` (the default) without.
// 2. Memory: VmRSS after a 2,000 check-in workload with 0, 10,000 and 100,000 abandoned pending
//    actions in the store (opened through the intake by /checkin from distinct users who never
//    send a location).

import AsyncHTTPClient
import Bot
import FakeSheets
import FakeTelegram
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import ProcessReadings

let arguments = Array(CommandLine.arguments.dropFirst())

func option(_ name: String, default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Int(arguments[index + 1]) else { return value }
    return number
}

/// The `RssAnon`, `RssFile` and `RssShmem` lines of /proc/self/status: heap versus mapped files
/// (the SQLite WAL index is a shared mapping).
func residentBreakdown() -> String {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "" }
    return status.split(separator: "\n")
        .filter { $0.hasPrefix("RssAnon:") || $0.hasPrefix("RssFile:") || $0.hasPrefix("RssShmem:") }
        .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        .joined(separator: ", ")
}

/// SQLite's `sqlite3_memory_used()`: what its allocator holds now (page caches, statements,
/// schema), looked up in the loaded library.
func sqliteMemoryUsed() -> Int {
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "sqlite3_memory_used") else { return -1 }
    typealias MemoryUsed = @convention(c) () -> Int64
    return Int(unsafeBitCast(symbol, to: MemoryUsed.self)())
}

func mebibytes(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

// MARK: - serve-fakes (child process)

if arguments.first == "serve-fakes" {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("botbench-fakes-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try await FakeTelegram.withRunning { telegram in
        let bot = await telegram.registerBot()
        try await FakeSheets.withRunning { sheets in
            let spreadsheetID = try await sheets.createSpreadsheet()
            let credentials = directory.appendingPathComponent("credentials.json")
            try await sheets.serviceAccountKeyJSON().write(to: credentials)
            let environment = [
                "TELEGRAM_BOT_TOKEN": bot.token,
                "TELEGRAM_API_BASE_URL": telegram.baseURL,
                "SHEETS_API_BASE_URL": sheets.baseURL,
                "SPREADSHEET_ID": spreadsheetID,
                "GOOGLE_APPLICATION_CREDENTIALS": credentials.path,
            ]
            let line = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
            // Serve until stdin closes (the parent exits or the user presses Ctrl-D).
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread { _ = FileHandle.standardInput.readDataToEndOfFile(); continuation.resume() }.start()
            }
        }
    }
    try? FileManager.default.removeItem(at: directory)
    exit(0)
}

// MARK: - parent: start the fakes

let checkIns = option("--checkins", default: 5_000)
let batchSize = option("--batch", default: 100)
let skipMemory = arguments.contains("--skip-memory")
let intakeOnly = arguments.contains("--intake-only")
let memoryControl = arguments.contains("--memory-control")
// `--instances 2`: two bots in this process on the one PostgreSQL database, each with its own
// pool, outbox worker and reply sender, the batches handed to them in turn (as a load balancer
// would): what a second instance costs or gains on the same machine.
let instanceCount = option("--instances", default: 1)
let arrivals: String = {
    guard let index = arguments.firstIndex(of: "--arrivals") else { return "none" }
    let value = index + 1 < arguments.count ? arguments[index + 1] : ""
    guard ["none", "transaction", "separate"].contains(value) else {
        FileHandle.standardError.write(Data("BotBench: --arrivals takes none, transaction or separate, not '\(value)'\n".utf8))
        exit(64)
    }
    return value
}()

let child = Process()
child.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0])
child.arguments = ["serve-fakes"]
let childInput = Pipe(), childOutput = Pipe()
child.standardInput = childInput
child.standardOutput = childOutput
try child.run()
guard let firstLine = String(data: childOutput.fileHandleForReading.availableLine(), encoding: .utf8) else {
    fatalError("the fakes did not start")
}
var environment: [String: String] = [:]
for pair in firstLine.split(separator: " ") {
    let parts = pair.split(separator: "=", maxSplits: 1)
    environment[String(parts[0])] = String(parts[1])
}
let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("botbench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
environment["DATABASE_PATH"] = workDirectory.appendingPathComponent("bot.sqlite").path
// `--database-url postgres://…`: the PostgreSQL store instead, on a database of its own, which
// the caller creates empty for each run.
if let index = arguments.firstIndex(of: "--database-url"), index + 1 < arguments.count {
    environment["DATABASE_URL"] = arguments[index + 1]
}
guard (1...2).contains(instanceCount), instanceCount == 1 || environment["DATABASE_URL"] != nil else {
    FileHandle.standardError.write(Data("BotBench: --instances takes 1 or 2, and 2 needs --database-url (instances share a PostgreSQL store)\n".utf8))
    exit(64)
}
environment["LOG_LEVEL"] = "error"
environment["LOG_DIR"] = workDirectory.appendingPathComponent("logs").path

extension FileHandle {
    /// Reads up to the first newline (blocking).
    func availableLine() -> Data {
        var line = Data()
        while true {
            let byte = readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { return line }
            line.append(byte)
        }
    }
}

var logger = Logger(label: "botbench")
logger.logLevel = .critical
let configuration = try BotConfiguration(environment: environment)
let application = BotApplication(configuration: configuration, logger: logger)
let telegramBaseURL = environment["TELEGRAM_API_BASE_URL"]!
let madrid = (latitude: 40.4168, longitude: -3.7038)

/// `/checkin` then a location for each user, in batches as `getUpdates` would return them.
func checkInUpdates(users: Range<Int64>, firstUpdateID: Int64) -> [[Update]] {
    var updates: [Update] = []
    var updateID = firstUpdateID
    for userID in users {
        let user = User(id: userID, firstName: "User \(userID)", username: "user\(userID)")
        let chat = Chat(id: userID)
        let date = Int64(Date().timeIntervalSince1970)
        updates.append(Update(updateID: updateID, message: Message(messageID: updateID, date: date, chat: chat, from: user, text: "/checkin")))
        updates.append(Update(updateID: updateID + 1, message: Message(messageID: updateID + 1, date: date, chat: chat, from: user,
                                                                       location: Location(latitude: madrid.latitude, longitude: madrid.longitude))))
        updateID += 2
    }
    return stride(from: 0, to: updates.count, by: batchSize).map { Array(updates[$0..<min($0 + batchSize, updates.count)]) }
}

/// Only `/checkin`: pending actions that are never completed. With `--memory-control`, `/help`
/// instead: the same updates, users and replies, but nothing left in the store, which tells
/// the memory the pending actions cost from the memory the burst of updates costs.
func abandonedUpdates(users: Range<Int64>, firstUpdateID: Int64) -> [[Update]] {
    let text = memoryControl ? "/help" : "/checkin"
    let updates = users.enumerated().map { offset, userID in
        Update(updateID: firstUpdateID + Int64(offset), message: Message(
            messageID: 1, date: Int64(Date().timeIntervalSince1970), chat: Chat(id: userID),
            from: User(id: userID, firstName: "Idle \(userID)"), text: text))
    }
    return stride(from: 0, to: updates.count, by: batchSize).map { Array(updates[$0..<min($0 + batchSize, updates.count)]) }
}

/// Makes the fake Telegram know the users' private chats (a user message each, over its control
/// API), so that the bot's replies to them are accepted and stored as in reality. Not timed.
func introduceUsers(_ users: Range<Int64>, telegramBaseURL base: String) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var iterator = users.makeIterator()
        func post(_ userID: Int64) async throws {
            var request = HTTPClientRequest(url: "\(base)/control/users/\(userID)/messages")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"text": "hello", "first_name": "User"}"#))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 16)
        }
        for _ in 0..<16 { if let user = iterator.next() { group.addTask { try await post(user) } } }
        while try await group.next() != nil {
            if let user = iterator.next() { group.addTask { try await post(user) } }
        }
    }
}

/// Feeds `batches` to the instances' intakes, in turn, each instance its share in order and the
/// instances at once; then waits until the outbox and the reply queue are empty. Returns when the
/// intake was done, when the outbox was seen empty and when both queues were.
func drive(_ batches: [[Update]], _ instances: [BotServices]) async throws -> (intake: Duration, outbox: Duration, total: Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for (index, instance) in instances.enumerated() {
            let share = stride(from: index, to: batches.count, by: instances.count).map { batches[$0] }
            group.addTask { for batch in share { try await instance.intake.handle(batch) } }
        }
        try await group.waitForAll()
    }
    let services = instances[0]
    let intakeDone = clock.now
    while try await services.database.outboxStatus().queued > 0 {
        try await Task.sleep(for: .milliseconds(2))
    }
    let outboxDone = clock.now
    while try await services.database.queuedMessageCount() > 0 {
        try await Task.sleep(for: .milliseconds(2))
    }
    return (intakeDone - start, outboxDone - start, clock.now - start)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Runs `body` with `instanceCount` instances' services, each opening the store on its own.
func withInstances(_ body: ([BotServices]) async throws -> Void) async throws {
    try await application.withServices { first in
        guard instanceCount == 2 else { return try await body([first]) }
        try await BotApplication(configuration: configuration, logger: logger).withServices { second in
            try await body([first, second])
        }
    }
}

try await withInstances { instances in
    let services = instances[0]
    try await withThrowingTaskGroup(of: Void.self) { group in
        if intakeOnly {
            let batches = checkInUpdates(users: 1..<Int64(checkIns + 1), firstUpdateID: 1)
            // Each update's JSON as its webhook body would bring it, encoded before the clock starts.
            let encoder = JSONEncoder()
            let bodies = try batches.map { batch in try batch.map { String(decoding: try encoder.encode($0), as: UTF8.self) } }
            let clock = ContinuousClock()
            let start = clock.now
            let cpuBefore = ProcessReadings.cpuSeconds()
            for (batch, json) in zip(batches, bodies) {
                let records = arrivals == "none" ? [] : zip(batch, json).map { update, body in
                    ReceivedUpdateRecord.arrival(of: ReceivedUpdate(update, rawJSON: body), from: .webhook, at: Date())
                }
                switch arrivals {
                case "transaction":
                    try await services.intake.handle(zip(batch, records).map { IncomingUpdate($0, arrival: $1) })
                case "separate":
                    try await services.intake.handle(batch)
                    try await services.database.appendJournal(events: [], updates: records)
                default:
                    try await services.intake.handle(batch)
                }
            }
            let elapsed = clock.now - start
            let cpu = ProcessReadings.cpuSeconds() - cpuBefore
            print(String(format: "intake only, arrivals %@: %d updates in %.3f s → %.0f updates/s, %.1f µs CPU per update",
                         arrivals, 2 * checkIns, seconds(elapsed), Double(2 * checkIns) / seconds(elapsed), cpu * 1e6 / Double(2 * checkIns)))
            return
        }
        for instance in instances {
            group.addTask { try await instance.outboxWorker.run() }
            group.addTask { try await instance.replySender.run() }
        }
        var nextUpdateID: Int64 = 1
        var nextUserID: Int64 = 1_000_000

        try await introduceUsers(nextUserID..<nextUserID + 200 + Int64(checkIns), telegramBaseURL: telegramBaseURL)
        // Warm-up: connections, token, page cache.
        _ = try await drive(checkInUpdates(users: nextUserID..<nextUserID + 200, firstUpdateID: nextUpdateID), instances)
        nextUserID += 200; nextUpdateID += 400

        let cpuBefore = (bot: ProcessReadings.cpuSeconds(), fakes: ProcessReadings.cpuSeconds(of: child.processIdentifier))
        let (intake, outbox, total) = try await drive(checkInUpdates(users: nextUserID..<nextUserID + Int64(checkIns), firstUpdateID: nextUpdateID), instances)
        nextUserID += Int64(checkIns); nextUpdateID += Int64(2 * checkIns)
        print(String(format: "throughput, %d instance(s): %d check-ins (%d updates, batches of %d): intake %.3f s, outbox empty at %.3f s, whole path %.3f s → %.0f check-ins/s, %.0f updates/s (intake alone %.0f updates/s)",
                     instances.count, checkIns, 2 * checkIns, batchSize, seconds(intake), seconds(outbox), seconds(total),
                     Double(checkIns) / seconds(total), Double(2 * checkIns) / seconds(total), Double(2 * checkIns) / seconds(intake)))
        // What one check-in costs in CPU, whatever else the machine runs: the bound on 2 idle cores.
        let botCPU = ProcessReadings.cpuSeconds() - cpuBefore.bot
        let fakesCPU = ProcessReadings.cpuSeconds(of: child.processIdentifier) - cpuBefore.fakes
        // How busy the pipeline kept the two cores: the share of the bound above that it reached.
        print(String(format: "cpu: bot %.3f s, fakes %.3f s → %.2f ms + %.2f ms per check-in → at most %.0f check-ins/s on 2 idle cores; cores %.0f %% busy",
                     botCPU, fakesCPU, 1000 * botCPU / Double(checkIns), 1000 * fakesCPU / Double(checkIns),
                     2 * Double(checkIns) / (botCPU + fakesCPU), 100 * (botCPU + fakesCPU) / (2 * seconds(total))))

        if !skipMemory {
            var baseline = 0
            var abandoned = 0
            for target in [0, 10_000, 100_000] {
                let add = target - abandoned
                if add > 0 {
                    _ = try await drive(abandonedUpdates(users: nextUserID..<nextUserID + Int64(add), firstUpdateID: nextUpdateID), instances)
                    nextUserID += Int64(add); nextUpdateID += Int64(add)
                    abandoned = target
                }
                _ = try await drive(checkInUpdates(users: nextUserID..<nextUserID + 2_000, firstUpdateID: nextUpdateID), instances)
                nextUserID += 2_000; nextUpdateID += 4_000
                let rss = ProcessReadings.residentBytes()
                // What the allocator keeps from the burst of updates versus what is live.
                HeapAllocator.releaseFreeMemory()  // glibc's malloc_trim(0), as the bot's resource monitor calls it
                let trimmed = ProcessReadings.residentBytes()
                if target == 0 { baseline = trimmed }
                let pending = try await services.database.pendingActionCount()
                print("memory: \(memoryControl ? "\(target) /help updates (control), " : "")\(pending) abandoned pending actions in the store → RSS \(mebibytes(rss)), after malloc_trim \(mebibytes(trimmed)) (growth \(mebibytes(trimmed - baseline)))")
                print("        \(residentBreakdown()); SQLite holds \(mebibytes(sqliteMemoryUsed()))")
            }
        }
        group.cancelAll()
    }
}
try childInput.fileHandleForWriting.close()
child.waitUntilExit()
try? FileManager.default.removeItem(at: workDirectory)
