// FakeTelegramBench — measures the fake Telegram server (release mode, outside `swift test`).
//
//   FakeTelegramBench serve [--port P] [--quiet]
//       Runs the fake standalone until Ctrl-C with one registered bot and one chat (id 1), prints
//       BASE_URL and TOKEN; one log line per request unless --quiet. Load it from a second
//       process (wrk with wrk/sendMessage.lua) to measure sendMessage round-trips per second.
//   FakeTelegramBench ceiling [--port P]
//       The framework's ceiling, no fake behind it: a bare Hummingbird server that reads any POST's
//       body and answers a fixed 200 JSON of a sendMessage answer's size. Prints BASE_URL and
//       TOKEN like `serve` so the same wrk command runs against it; stop it with a signal.
//   FakeTelegramBench latency [--updates N] [--warmup N]
//       In one process: the fake plus a webhook receiver on loopback; injects N updates one at a
//       time and reports injection-to-delivery latency p50/p90/p99/max.
import AsyncHTTPClient
import FakeTelegram
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

func option(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let parsed = Int(arguments[index + 1]) else {
        return value
    }
    return parsed
}

func serve() async throws {
    var logger = Logger(label: "FakeTelegram")
    logger.logLevel = CommandLine.arguments.contains("--quiet") ? .notice : .info
    let configuration = FakeTelegram.Configuration(port: option("--port", default: 8081), logger: logger)
    try await FakeTelegram.runUntilSignalled(configuration) { fake, bot in
        try await fake.sendUserMessage(userID: 1, text: "/start", firstName: "Bench")
        let banner = "BASE_URL=\(fake.baseURL)\nTOKEN=\(bot.token)\nCtrl-C to stop\n"
        FileHandle.standardOutput.write(Data(banner.utf8))
    }
}

/// A sendMessage answer as the fake writes it (326 bytes), served verbatim by `ceiling`.
let ceilingAnswer = #"{"ok":true,"result":{"message_id":2,"from":{"id":7000000001,"is_bot":true,"first_name":"Metropolitan","username":"metropolitan_test_bot"},"chat":{"id":1,"type":"private","first_name":"Bench"},"date":1795936573,"text":"Checked in at Site A (42 m)","reply_markup":{"inline_keyboard":[[{"text":"Undo","callback_data":"undo"}]]}}}"#

func ceiling() async throws {
    let router = Router()
    let answer = ByteBuffer(string: ceilingAnswer)
    router.post("**") { request, _ -> Response in
        _ = try await request.body.collect(upTo: 1 << 20)
        return Response(
            status: .ok, headers: [.contentType: "application/json", .contentLength: String(answer.readableBytes)],
            body: .init(byteBuffer: answer))
    }
    let quiet = Logger(label: "ceiling", factory: { _ in SwiftLogNoOpLogHandler() })
    let port = option("--port", default: 8082)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
        onServerRunning: { channel in
            let banner = "BASE_URL=http://127.0.0.1:\(channel.localAddress?.port ?? port)\nTOKEN=ceiling\n"
            FileHandle.standardOutput.write(Data(banner.utf8))
        }, logger: quiet)
    // Runs until the process is killed: nothing to drain.
    try await ServiceGroup(configuration: .init(services: [app], logger: quiet)).run()
}

/// Arrival instants of updates at the receiver, and a way to await one.
final class Arrivals: Sendable {
    private let state = Mutex<(times: [Int64: ContinuousClock.Instant], waiters: [Int64: CheckedContinuation<ContinuousClock.Instant, Never>])>(([:], [:]))

    func arrived(_ id: Int64, at instant: ContinuousClock.Instant) {
        let waiter = state.withLock { state -> CheckedContinuation<ContinuousClock.Instant, Never>? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            state.times[id] = instant
            return nil
        }
        waiter?.resume(returning: instant)
    }

    func wait(for id: Int64) async -> ContinuousClock.Instant {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> ContinuousClock.Instant? in
                if let time = state.times.removeValue(forKey: id) { return time }
                state.waiters[id] = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

func latency() async throws {
    let count = option("--updates", default: 5000)
    let warmup = option("--warmup", default: 500)
    let arrivals = Arrivals()
    let router = Router()
    router.post("/hook") { request, _ -> Response in
        let now = ContinuousClock.now
        let body = try await request.body.collect(upTo: 1 << 20)
        if let update = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)), let id = update["update_id"]?.intValue {
            arrivals.arrived(id, at: now)
        }
        return Response(status: .ok)
    }
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let quiet = Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() })
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }, logger: quiet)
    let receiver = ServiceGroup(configuration: .init(services: [app], logger: quiet))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await receiver.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        try await FakeTelegram.withRunning(.init(rateLimitSetWebhook: false)) { fake in
            let bot = await fake.registerBot()
            try await fake.sendUserMessage(userID: 1, text: "hi")
            var request = HTTPClientRequestShim(url: "\(fake.baseURL)/bot\(bot.token)/setWebhook?url=http://127.0.0.1:\(port)/hook")
            try await request.send()
            var samples: [Double] = []
            samples.reserveCapacity(count)
            for index in 0..<(warmup + count) {
                let started = ContinuousClock.now
                let injected = try await fake.sendUserMessage(userID: Int64(1 + index % 50), text: "m\(index)")
                let arrived = await arrivals.wait(for: injected.updateID)
                if index >= warmup {
                    let elapsed = arrived - started
                    samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                }
            }
            samples.sort()
            func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
            print(String(
                format: "injection-to-delivery latency over %d updates: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms",
                count, percentile(0.5), percentile(0.9), percentile(0.99), samples.last ?? 0))
        }
        await receiver.triggerGracefulShutdown()
        try await group.waitForAll()
    }
}

/// A one-off request with AsyncHTTPClient (setWebhook for the latency run).
struct HTTPClientRequestShim {
    let url: String
    mutating func send() async throws {
        let client = HTTPClient.shared
        let request = HTTPClientRequest(url: url)
        let response = try await client.execute(request, deadline: .now() + .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw BenchError(message: "setWebhook answered \(response.status)") }
    }
}

struct BenchError: Error { let message: String }

switch CommandLine.arguments.dropFirst().first {
case "serve": try await serve()
case "ceiling": try await ceiling()
case "latency": try await latency()
default:
    print("usage: FakeTelegramBench serve [--port P] [--quiet] | ceiling [--port P] | latency [--updates N] [--warmup N]")
    exit(2)
}
