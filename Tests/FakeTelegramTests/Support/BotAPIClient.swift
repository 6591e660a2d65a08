import AsyncHTTPClient
import FakeTelegram
import Foundation
import NIOCore
import NIOHTTP1
import MetroSupport

/// A Bot API answer as a test sees it.
struct Answer: Sendable {
    let status: Int
    let json: JSONValue
    let headers: HTTPHeaders
    /// The body as received.
    let body: Data
    var ok: Bool { json["ok"] == .bool(true) }
    var result: JSONValue? { json["result"] }
    var description: String? { json["description"]?.stringValue }
    var errorCode: Int64? { json["error_code"]?.intValue }
}

/// Talks to a running fake over real HTTP: one helper per kind of request.
struct TestClient: Sendable {
    let fake: FakeTelegram
    var http: HTTPClient { .shared }

    /// POSTs a JSON body to `/bot<token>/<method>`.
    func call(_ token: String, _ method: String, _ params: [String: JSONValue] = [:]) async throws -> Answer {
        try await raw(.POST, "/bot\(token)/\(method)", body: JSONValue.object(params).encoded(), contentType: "application/json")
    }

    /// Any request to the fake.
    func raw(
        _ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String? = nil,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: fake.baseURL + path)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, deadline: .now() + timeout)
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let data = Data(bytes.readableBytesView)
        return Answer(
            status: Int(response.status.code), json: JSONValue.parse(data) ?? .string(String(decoding: data, as: UTF8.self)),
            headers: response.headers, body: data)
    }

    /// A control API request with an optional JSON body.
    func control(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async throws -> Answer {
        try await raw(method, path, body: body?.encoded(), contentType: body == nil ? nil : "application/json")
    }
}

extension FakeTelegram.Configuration {
    /// Fast retries for tests, no setWebhook rate limit unless a test turns it on. The delivery
    /// timeout is 3 s, not less: a delivery a loaded machine answers slowly must not count as a
    /// failure and be delivered again (tests count the deliveries).
    static func fast(rateLimit: Bool = false, seed: UInt64 = 1) -> Self {
        .init(
            deliveryRetryBaseDelay: .milliseconds(20), deliveryRetryMaxDelay: .milliseconds(80),
            deliveryTimeout: .seconds(3), rateLimitSetWebhook: rateLimit, seed: seed)
    }
}

/// Runs `body` against a fresh fake with one registered bot.
func withFake<T: Sendable>(
    _ configuration: FakeTelegram.Configuration = .fast(),
    _ body: @Sendable (FakeTelegram, RegisteredBot, TestClient) async throws -> T
) async throws -> T {
    try await FakeTelegram.withRunning(configuration) { fake in
        let bot = await fake.registerBot()
        return try await body(fake, bot, TestClient(fake: fake))
    }
}

/// Waits for a condition the fake reaches asynchronously (deliveries), checking every 5 ms, at
/// most `seconds`. Not a timed assertion: the bound only stops a broken test from hanging.
func eventually(_ seconds: Double = 10, _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}
