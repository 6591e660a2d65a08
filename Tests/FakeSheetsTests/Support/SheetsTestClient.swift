import _CryptoExtras
import AsyncHTTPClient
import Crypto
import FakeSheets
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// What a test sees of one HTTP answer.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    /// The body as a JSON object (`[:]` when it is not one).
    var json: [String: any Sendable] {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: any Sendable]) ?? [:]
    }
    var text: String { String(decoding: body, as: UTF8.self) }

    /// `error.status` of Google's envelope.
    var googleStatus: String? { (json["error"] as? [String: Any])?["status"] as? String }
    var googleMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
    var googleCode: Int? { (json["error"] as? [String: Any])?["code"] as? Int }
    var values: [[String]]? { (json["values"] as? [[Any]])?.map { $0.map { "\($0)" } } }
}

/// A client of one fake: raw HTTP with a deadline, JWT signing with the issued key, and one helper
/// per endpoint.
struct SheetsTestClient: Sendable {
    let fake: FakeSheets

    static let spreadsheetsScope = "https://www.googleapis.com/auth/spreadsheets"

    func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, headers: [(String, String)] = [],
              bearer: String? = nil) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: fake.baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return HTTPAnswer(status: Int(response.status.code), headers: response.headers, body: Data(buffer.readableBytesView))
    }

    func json(_ object: Any) -> Data {
        // Test inputs are literals; a failure here is a bug in the test itself.
        try! JSONSerialization.data(withJSONObject: object)
    }

    // MARK: OAuth

    /// The key file the fake issued, decoded.
    func keyFile() async throws -> [String: String] {
        let data = await fake.serviceAccountKeyJSON()
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A JWT as Google's client libraries build it, signed with `privateKeyPEM`; `claims` and
    /// `header` entries override or (with `NSNull`) remove the defaults.
    static func signJWT(privateKeyPEM: String, keyID: String, email: String, audience: String,
                        claims overrides: [String: Any] = [:], header headerOverrides: [String: Any] = [:]) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        var claims: [String: Any] = ["iss": email, "aud": audience, "scope": spreadsheetsScope, "iat": now, "exp": now + 3600]
        for (key, value) in overrides { claims[key] = value is NSNull ? nil : value }
        var header: [String: Any] = ["alg": "RS256", "typ": "JWT", "kid": keyID]
        for (key, value) in headerOverrides { header[key] = value is NSNull ? nil : value }
        let signingInput = base64URL(try JSONSerialization.data(withJSONObject: header)) + "." + base64URL(try JSONSerialization.data(withJSONObject: claims))
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        let signature = try key.signature(for: SHA256.hash(data: Data(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        return signingInput + "." + base64URL(signature.rawRepresentation)
    }

    /// A JWT signed with the fake's own key.
    func assertion(claims: [String: Any] = [:], header: [String: Any] = [:]) async throws -> String {
        let key = try await keyFile()
        return try SheetsTestClient.signJWT(privateKeyPEM: try #require(key["private_key"]), keyID: try #require(key["private_key_id"]),
                                            email: try #require(key["client_email"]), audience: try #require(key["token_uri"]),
                                            claims: claims, header: header)
    }

    /// `POST /token` with a form body as google-auth sends it.
    func exchange(_ assertion: String, grantType: String = "urn:ietf:params:oauth:grant-type:jwt-bearer") async throws -> HTTPAnswer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let form = "grant_type=\(grantType.addingPercentEncoding(withAllowedCharacters: allowed)!)&assertion=\(assertion.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        return try await send(.POST, "/token", body: Data(form.utf8), headers: [("Content-Type", "application/x-www-form-urlencoded")])
    }

    /// A valid access token for the fake's service account.
    func accessToken() async throws -> String {
        let answer = try await exchange(try await assertion())
        return try #require(answer.json["access_token"] as? String, "token exchange failed: \(answer.text)")
    }

    // MARK: Sheets API

    static func encodePath(_ range: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return range.addingPercentEncoding(withAllowedCharacters: allowed)!
    }

    func append(_ id: String, _ range: String, _ values: [[Any]], token: String, query: String = "valueInputOption=USER_ENTERED") async throws -> HTTPAnswer {
        try await send(.POST, "/v4/spreadsheets/\(id)/values/\(SheetsTestClient.encodePath(range)):append?\(query)",
                       body: json(["values": values]), bearer: token)
    }

    func update(_ id: String, _ range: String, _ values: [[Any]], token: String, query: String = "valueInputOption=USER_ENTERED") async throws -> HTTPAnswer {
        try await send(.PUT, "/v4/spreadsheets/\(id)/values/\(SheetsTestClient.encodePath(range))?\(query)",
                       body: json(["values": values]), bearer: token)
    }

    func get(_ id: String, _ range: String, token: String, query: String = "") async throws -> HTTPAnswer {
        try await send(.GET, "/v4/spreadsheets/\(id)/values/\(SheetsTestClient.encodePath(range))\(query.isEmpty ? "" : "?" + query)", bearer: token)
    }

    /// `values.clear`: `POST …/values/{range}:clear` with an empty `ClearValuesRequest`.
    func clear(_ id: String, _ range: String, token: String) async throws -> HTTPAnswer {
        try await send(.POST, "/v4/spreadsheets/\(id)/values/\(SheetsTestClient.encodePath(range)):clear", body: json([String: Any]()), bearer: token)
    }

    /// `values.batchClear`: `POST …/values:batchClear` `{"ranges": […]}`.
    func batchClear(_ id: String, _ ranges: [String], token: String) async throws -> HTTPAnswer {
        try await send(.POST, "/v4/spreadsheets/\(id)/values:batchClear", body: json(["ranges": ranges]), bearer: token)
    }

    /// `values.batchUpdate`: `POST …/values:batchUpdate` with `body` as given.
    func batchUpdateValues(_ id: String, _ body: [String: Any], token: String) async throws -> HTTPAnswer {
        try await send(.POST, "/v4/spreadsheets/\(id)/values:batchUpdate", body: json(body), bearer: token)
    }

    /// `spreadsheets.batchUpdate`: `POST …:batchUpdate` `{"requests": […]}`.
    func batchUpdate(_ id: String, _ requests: [[String: Any]], token: String) async throws -> HTTPAnswer {
        try await send(.POST, "/v4/spreadsheets/\(id):batchUpdate", body: json(["requests": requests]), bearer: token)
    }

    /// `spreadsheets.get`, with a `fields` mask when given (percent-encoded).
    func spreadsheet(_ id: String, token: String, fields: String? = nil) async throws -> HTTPAnswer {
        let query = fields.map { "?fields=" + SheetsTestClient.encodePath($0) } ?? ""
        return try await send(.GET, "/v4/spreadsheets/\(id)\(query)", bearer: token)
    }

    /// `sheets[].properties` of `spreadsheets.get`, in tab order.
    func sheetProperties(_ id: String, token: String) async throws -> [[String: Any]] {
        let answer = try await spreadsheet(id, token: token)
        let sheets = try #require(answer.json["sheets"] as? [[String: Any]], "spreadsheets.get failed: \(answer.text)")
        return sheets.compactMap { $0["properties"] as? [String: Any] }
    }
}

/// One RSA key for the whole test process: generating a 2048-bit key per fake (in a debug build of
/// BoringSSL, under a loaded machine) costs seconds; tests that check key generation itself use
/// `Configuration()` directly.
enum SharedTestKey {
    static let pem: String = {
        // A failure here means BoringSSL cannot generate RSA keys at all; no test could run.
        try! _RSA.Signing.PrivateKey(keySize: .bits2048).pkcs8PEMRepresentation
    }()
}

extension FakeSheets.Configuration {
    /// A configuration for tests: the shared key, everything else as given.
    static func testing(tokenLifetime: Duration = .seconds(3599), databasePath: String? = nil,
                        quotas: FakeSheets.Quotas? = nil, seed: UInt64 = 0) -> FakeSheets.Configuration {
        FakeSheets.Configuration(tokenLifetime: tokenLifetime, databasePath: databasePath, quotas: quotas, seed: seed,
                                 serviceAccountKeyPEM: SharedTestKey.pem)
    }
}
