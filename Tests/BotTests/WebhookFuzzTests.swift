import AsyncHTTPClient
import Bot
import FakeTelegram
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
import MetroSupport
#endif

/// Hostile webhook bodies, generated from a seed, against the real `metro-bot` process.
///
/// Each class of body that once crashed the bot or stopped its intake, and the classes an outside
/// tester would try next. The bot must answer every one with 200 (settled: stored or
/// dead-lettered), 400 or 413 — never 5xx, never a crash — and its memory must stay bounded.
enum HostileBody: String, CaseIterable, Sendable {
    case randomBytes, truncated, wrongType, extremeNumber, deepNesting, invalidUTF8, duplicateKeys
    case poisonContent, oversize, chunked, slow

    /// How many of the run's bodies are of this class (oversize, chunked and slow are costly).
    var share: Int {
        switch self {
        case .oversize: 20
        case .slow: 12
        case .chunked: 300
        default: 2_500
        }
    }

    static let template = #"{"update_id":UID,"message":{"message_id":7,"date":1800000000,"chat":{"id":1001,"type":"private"},"from":{"id":1001,"is_bot":false,"first_name":"Ana","username":"ana"},"text":"/status","location":{"latitude":40.4168,"longitude":-3.7038}}}"#
    static let fields = ["update_id", "message", "message_id", "date", "chat", "id", "type", "from", "is_bot", "first_name",
                         "username", "text", "location", "latitude", "longitude"]
    static let wrongValues = [#""x""#, "1", "-1", "true", "null", "[]", "{}", "1.5", #""""#, "[1,2]", #"{"a":1}"#]
    static let extremes = ["1e308", "-1e308", "1e400", "9223372036854775807", "-9223372036854775808", "18446744073709551616",
                           "0.5", "-0", "253402300800", "4e18", "1E+30"]

    /// A body of this class; `updateID` keeps valid-looking ones apart.
    func body(updateID: Int64, random: inout JitterSource) -> [UInt8] {
        let valid = Self.template.replacingOccurrences(of: "UID", with: String(updateID))
        switch self {
        case .randomBytes:
            return (0..<Int.random(in: 0...512, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        case .truncated:
            return Array(valid.utf8.prefix(Int.random(in: 0..<valid.utf8.count, using: &random)))
        case .wrongType:
            let field = Self.fields.randomElement(using: &random)!
            let value = Self.wrongValues.randomElement(using: &random)!
            return Array(Self.replacingValue(of: field, in: valid, with: value).utf8)
        case .extremeNumber:
            let field = ["update_id", "message_id", "date", "id", "latitude", "longitude"].randomElement(using: &random)!
            return Array(Self.replacingValue(of: field, in: valid, with: Self.extremes.randomElement(using: &random)!).utf8)
        case .deepNesting:
            let depth = [Int.random(in: 60...70, using: &random), Int.random(in: 505...520, using: &random)].randomElement(using: &random)!
            let open = Bool.random(using: &random) ? "[" : #"{"a":"#
            let close = open == "[" ? "]" : "}"
            let closed = Bool.random(using: &random)
            let inner = String(repeating: open, count: depth) + (closed ? "1" + String(repeating: close, count: depth) : "")
            return Array((Bool.random(using: &random) ? inner : #"{"update_id":\#(updateID),"x":"# + inner + (closed ? "}" : "")).utf8)
        case .invalidUTF8:
            var bytes = Array(valid.utf8)
            let at = bytes.firstIndex(of: UInt8(ascii: "A"))!
            bytes.replaceSubrange(at...at, with: [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82]].randomElement(using: &random)!)
            return bytes
        case .duplicateKeys:
            let duplicate = [#""update_id":1,"#, #""message":null,"#, #""update_id":"x","#].randomElement(using: &random)!
            return Array(valid.replacingOccurrences(of: #"{"update_id""#, with: "{" + duplicate + #""update_id""#).utf8)
        case .poisonContent:
            let poisons = [
                Self.replacingValue(of: "date", in: valid, with: "253402300800"),
                Self.replacingValue(of: "date", in: valid, with: "-9223372036854775808"),
                Self.replacingValue(of: "first_name", in: valid, with: "\"" + String(repeating: "A", count: 5_000) + "\""),
                #"{"update_id":\#(updateID),"callback_query":{"id":"","from":{"id":1001,"is_bot":false,"first_name":"Ana"},"data":"x"}}"#,
                #"{"update_id":\#(updateID),"callback_query":{"id":"\#(String(repeating: "q", count: 300))","from":{"id":1001,"is_bot":false,"first_name":"Ana"}}}"#,
                #"{"update_id":-5,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"/start"}}"#,
            ]
            return Array(poisons.randomElement(using: &random)!.utf8)
        case .oversize:
            return Array((#"{"update_id":\#(updateID),"pad":""# + String(repeating: "x", count: (1 << 20) + 16) + #""}"#).utf8)
        case .chunked, .slow:
            return Array(valid.utf8)
        }
    }

    /// `json` with the first value of `"field":` replaced by `value` (scalar values only are
    /// replaced whole; an object's value is replaced up to its matching brace).
    static func replacingValue(of field: String, in json: String, with value: String) -> String {
        guard let key = json.range(of: "\"\(field)\":") else { return json }
        var end = key.upperBound
        var depth = 0
        var inString = false
        while end < json.endIndex {
            let character = json[end]
            if inString {
                if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "{" || character == "[" {
                depth += 1
            } else if character == "}" || character == "]" {
                if depth == 0 { break }
                depth -= 1
                if depth == 0 { end = json.index(after: end); break }
            } else if character == ",", depth == 0 {
                break
            }
            end = json.index(after: end)
        }
        return json.replacingCharacters(in: key.upperBound..<end, with: value)
    }
}

@Suite("metro-bot process: hostile webhook bodies", .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: BotProcess.binary.path)))
struct WebhookFuzzTests {
    static let secret = "fuzz-secret-token"

    /// Resident memory of `pid` in bytes, from `/proc`.
    static func residentBytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else { return nil }
        return kilobytes * 1024
    }

    @Test("20,000 generated hostile bodies: no crash, no 5xx, bounded memory, and a normal check-in still lands")
    func hostileBodies() async throws {
        try await ProcessWorld.with(environment: ["WEBHOOK_SECRET": Self.secret, "LOG_LEVEL": "warning"]) { world in
            let bot = try world.start("bot")
            await eventually("webhook mode") { await world.mode() == "webhook" }
            let url = "http://127.0.0.1:\(world.port)/telegram/webhook"
            let pid = bot.process.processIdentifier
            let startRSS = try #require(Self.residentBytes(pid: pid))
            let started = ContinuousClock.now
            var random = JitterSource(seed: 14)

            var work: [(HostileBody, [UInt8])] = []
            var updateID: Int64 = 1_000_000
            for kind in HostileBody.allCases {
                for _ in 0..<kind.share {
                    updateID += 1
                    work.append((kind, kind.body(updateID: updateID, random: &random)))
                }
            }
            work.shuffle(using: &random)
            #expect(work.count >= 20_000)

            let tally = Tally(startRSS: startRSS)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Four clients keep the bot busy and leave the other suites, which run beside this
                // one, a core for their own timing.
                for worker in 0..<4 {
                    let share = stride(from: worker, to: work.count, by: 4).map { work[$0] }
                    group.addTask {
                        for (index, (kind, body)) in share.enumerated() {
                            let status = try await Self.deliver(body, kind: kind, to: world.httpClient, url: url)
                            tally.count(kind, status)
                            if index % 250 == 0, let rss = Self.residentBytes(pid: pid) { tally.sample(rss) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            let counted = tally.statuses.withLock { $0 }
            let peak = tally.peakRSS.withLock { $0 }
            let endRSS = Self.residentBytes(pid: pid) ?? 0
            print("hostile bodies: \(work.count) in \(elapsed); RSS \(startRSS / 1_048_576) MiB at start, peak \(peak / 1_048_576) MiB, \(endRSS / 1_048_576) MiB at the end; statuses by class: \(counted.mapValues { $0.sorted { $0.key < $1.key } })")

            #expect(bot.process.isRunning, "metro-bot died:\n\(bot.log.suffix(2_000))")
            for (kind, byStatus) in counted {
                let failures = byStatus.filter { $0.key >= 500 || ![200, 400, 413].contains($0.key) }
                #expect(failures.isEmpty, "\(kind): \(byStatus)")
            }
            #expect(counted[.deepNesting]?[400] ?? 0 > 0)
            #expect(counted[.oversize]?[413] == HostileBody.oversize.share)
            #expect(counted[.poisonContent]?[200] == HostileBody.poisonContent.share, "poison is settled as a dead letter")
            // Bounded: the bot's working set does not grow with what it refused.
            #expect(peak < startRSS + 128 * 1_048_576)

            // And it still works.
            try await world.telegram.sendUserMessage(userID: 1777, text: "/checkin", firstName: "Eve")
            try await eventually("asked for the location") { try await world.telegram.chatMessages(chatID: 1777).count == 1 }
            _ = try await world.telegram.sendLocation(userID: 1777, latitude: 40.4168, longitude: -3.7038)
            try await eventually("the row landed") { try await world.rows(user: 1777).count == 1 }
            bot.signal(SIGTERM)
            #expect(await bot.waitForExit(limit: .seconds(15)) == 0, "\(bot.log.suffix(2_000))")
        }
    }

    /// Statuses by class, and the peak resident memory, counted by the concurrent senders.
    final class Tally: Sendable {
        let statuses = Mutex<[HostileBody: [Int: Int]]>([:])
        let peakRSS: Mutex<Int>

        init(startRSS: Int) { peakRSS = Mutex(startRSS) }

        func count(_ kind: HostileBody, _ status: Int) {
            statuses.withLock { $0[kind, default: [:]][status, default: 0] += 1 }
        }

        func sample(_ rss: Int) {
            peakRSS.withLock { $0 = max($0, rss) }
        }
    }

    /// Sends one body as its class asks (plain, chunked, or trickled); returns the status.
    static func deliver(_ body: [UInt8], kind: HostileBody, to client: HTTPClient, url: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Telegram-Bot-Api-Secret-Token", value: secret)
        switch kind {
        case .chunked, .slow:
            let pieces = stride(from: 0, to: body.count, by: max(1, body.count / 4)).map { Array(body[$0..<min($0 + max(1, body.count / 4), body.count)]) }
            let pause: Duration = kind == .slow ? .milliseconds(300) : .zero
            request.body = .stream(AsyncStream<ByteBuffer> { continuation in
                Task {
                    for piece in pieces {
                        if pause > .zero { try? await Task.sleep(for: pause) }
                        continuation.yield(ByteBuffer(bytes: piece))
                    }
                    continuation.finish()
                }
            }, length: .unknown)
        default:
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }
}
