// SparseFloor — the HTTP exchanges of one check-in and nothing else: the floor under the bot's CPU
// per lone flow (issue 19). The same stack as the bot, set up the same way: one NIO event-loop
// thread shared by a Hummingbird 2 server and an AsyncHTTPClient client, handlers on Swift's
// cooperative pool. No store, no conversation, no logging.
//
// A webhook delivery (`POST /telegram/webhook`) is answered 200 at once; then, in a task, it sends
// what the bot sends for it: a `/checkin` gets one `sendMessage`; a location gets its confirmation
// (`sendMessage`, "Checked in …") and a stand-in for the Sheets append (`getMe`, one more
// outbound exchange with a small answer). So per flow: 2 inbound and 3 outbound exchanges, as the
// bot. `RuntimeBench sparse --floor Benchmarks/.build/release/SparseFloor` drives it with the
// same flows as the bot.
//
// Environment: PORT, TELEGRAM_API_BASE_URL, TELEGRAM_BOT_TOKEN (as the bot's).

import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOPosix

let environment = ProcessInfo.processInfo.environment
let port = environment["PORT"].flatMap { Int($0) } ?? 18_998
let api = "\(environment["TELEGRAM_API_BASE_URL"] ?? "http://127.0.0.1:8081")/bot\(environment["TELEGRAM_BOT_TOKEN"] ?? "")"
let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
var clientConfiguration = HTTPClient.Configuration()
clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 33)
let client = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: clientConfiguration)

/// The parts of an update the floor needs.
struct Delivery: Decodable {
    struct Message: Decodable {
        struct Chat: Decodable { var id: Int64 }
        struct Location: Decodable { var latitude: Double }
        var chat: Chat
        var location: Location?
    }
    var message: Message?
}

@Sendable func call(_ method: String, _ json: String) async {
    var request = HTTPClientRequest(url: "\(api)/\(method)")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: json))
    guard let response = try? await client.execute(request, timeout: .seconds(30)) else { return }
    _ = try? await response.body.collect(upTo: 1 << 20)
}

let router = Router()
router.get("/health") { _, _ in #"{"status":"ok","mode":"webhook"}"# }
router.post("/telegram/webhook") { request, context -> HTTPResponse.Status in
    let body = try await request.body.collect(upTo: 1 << 20)
    guard let delivery = try? JSONDecoder().decode(Delivery.self, from: Data(body.readableBytesView)),
          let message = delivery.message else { return .badRequest }
    let chat = message.chat.id
    Task {
        if message.location == nil {
            await call("sendMessage", #"{"chat_id":\#(chat),"text":"Share your location"}"#)
        } else {
            await call("sendMessage", #"{"chat_id":\#(chat),"text":"Checked in at Madrid HQ (0 m)."}"#)
            await call("getMe", "{}")
        }
    }
    return .ok
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                      eventLoopGroupProvider: .shared(eventLoopGroup))
try await app.runService()
try await client.shutdown()
