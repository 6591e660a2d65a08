import FakeTelegram
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import MetroSupport

/// The "bot's webhook" in tests: a small Hummingbird app on port 0 that records what it receives
/// and answers from a script (status, Retry-After, body) — the default answer is 200.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let update: JSONValue
        let secret: String?
        let body: String
    }

    struct Reply: Sendable {
        var status: Int = 200
        var retryAfter: Int?
        var body: String = ""
        var hold: Duration?
    }

    private let state = Mutex<(deliveries: [Delivery], script: [Reply])>(([], []))
    let url: String

    private init(url: String) { self.url = url }

    var deliveries: [Delivery] { state.withLock { $0.deliveries } }
    var updateIDs: [Int64] { deliveries.compactMap { $0.update["update_id"]?.intValue } }

    /// Queues replies for the next deliveries, in order.
    func script(_ replies: [Reply]) { state.withLock { $0.script.append(contentsOf: replies) } }

    private func receive(_ body: String, secret: String?) -> Reply {
        state.withLock { state in
            state.deliveries.append(Delivery(update: JSONValue.parse(body) ?? .null, secret: secret, body: body))
            return state.script.isEmpty ? Reply() : state.script.removeFirst()
        }
    }

    /// Runs a receiver for the duration of `body`.
    static func withRunning<T: Sendable>(_ body: @Sendable (WebhookReceiver) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let holder = Mutex<WebhookReceiver?>(nil)
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let receiver = holder.withLock { $0 }!
            let reply = receiver.receive(
                String(decoding: buffer.readableBytesView, as: UTF8.self),
                secret: request.headers[HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!])
            if let hold = reply.hold { try? await Task.sleep(for: hold) }
            var headers: HTTPFields = [.contentType: "application/json"]
            if let retryAfter = reply.retryAfter { headers[.retryAfter] = String(retryAfter) }
            return Response(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Logger(label: "WebhookReceiver", factory: { _ in SwiftLogNoOpLogHandler() }))
        let group = ServiceGroup(configuration: .init(services: [app], logger: app.logger))
        let serviceGroup = group
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serviceGroup.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            let receiver = WebhookReceiver(url: "http://127.0.0.1:\(port)/hook")
            holder.withLock { $0 = receiver }
            let result: Result<T, any Error>
            do { result = .success(try await body(receiver)) } catch { result = .failure(error) }
            await serviceGroup.triggerGracefulShutdown()
            return try result.get()
        }
    }
}
