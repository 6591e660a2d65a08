import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A JSON client for one HTTP server — a fake's control API or the bot's own endpoints.
/// Every call carries a deadline and reads its body with a size cap.
public struct ControlClient: Sendable {
    /// A call that did not get the answer it needed.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// What was called, what came back and, when it helps, how to fix it.
        public var description: String
    }

    /// An answer: status and body.
    public struct Answer: Sendable {
        /// HTTP status code.
        public var status: Int
        /// The body (at most ``ControlClient/maximumBody`` bytes).
        public var body: Data

        /// The body parsed as JSON, or nil when it is not JSON.
        public var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Largest body read: 16 MiB.
    public static let maximumBody = 16 << 20

    /// The client that does the I/O.
    public let http: HTTPClient
    /// `http://127.0.0.1:PORT`, no trailing slash.
    public let baseURL: String
    /// Deadline of each call. Defaults to 10 seconds.
    public var timeout: Duration

    /// Creates a client for `baseURL`.
    /// - Parameters:
    ///   - http: Defaults to AsyncHTTPClient's shared client.
    ///   - baseURL: `http://host:port`.
    ///   - timeout: Defaults to 10 seconds.
    public init(http: HTTPClient = .shared, baseURL: String, timeout: Duration = .seconds(10)) {
        self.http = http
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.timeout = timeout
    }

    /// Sends a request and returns whatever status came back.
    /// - Parameters:
    ///   - method: `GET`, `POST`, `DELETE`.
    ///   - path: Starting with `/`, query included.
    ///   - json: A JSON object to send, or nil.
    ///   - body: Raw body bytes (used when `json` is nil).
    ///   - headers: Extra headers.
    public func send(_ method: String, _ path: String, json: Any? = nil, body: Data? = nil, headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        var payload = body
        if let json {
            payload = try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed])
        }
        if let payload {
            if json != nil || !request.headers.contains(name: "Content-Type") { request.headers.replaceOrAdd(name: "Content-Type", value: "application/json") }
            request.body = .bytes(ByteBuffer(bytes: payload))
        }
        do {
            let response = try await http.execute(request, timeout: .milliseconds(timeout.milliseconds))
            let buffer = try await response.body.collect(upTo: Self.maximumBody)
            return Answer(status: Int(response.status.code), body: Data(buffer.readableBytesView))
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(description: "\(method) \(baseURL)\(Self.redacted(path)) failed: \(error)")
        }
    }

    /// Sends a request that must answer 2xx, and returns its JSON.
    public func call(_ method: String, _ path: String, json: Any? = nil) async throws -> Any? {
        let answer = try await send(method, path, json: json)
        guard (200..<300).contains(answer.status) else {
            throw Failure(description: "\(method) \(Self.redacted(path)) answered \(answer.status): \(answer.text.prefix(300))")
        }
        return answer.json
    }

    /// `path` with any `bot<token>` segment hidden, for messages.
    static func redacted(_ path: String) -> String {
        path.replacingOccurrences(of: #"/bot[0-9]+:[A-Za-z0-9_-]+"#, with: "/bot<token>", options: .regularExpression)
    }
}
