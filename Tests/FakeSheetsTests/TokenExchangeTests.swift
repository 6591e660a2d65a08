import Foundation
import NIOCore
import FakeSheets
import NIOHTTP1
import Testing
import _CryptoExtras

@Suite("POST /token: the service-account JWT-bearer grant, checked as Google checks it")
struct TokenExchangeTests {
    @Test("a JWT signed with the issued key gets a Bearer token valid for 3599 s that the API accepts")
    func goodAssertion() async throws {
        try await FakeSheets.withRunning { fake in
            let client = SheetsTestClient(fake: fake)
            let answer = try await client.exchange(try await client.assertion())
            #expect(answer.status == 200)
            #expect(answer.headers.first(name: "Content-Type") == "application/json; charset=UTF-8")
            #expect(answer.json["token_type"] as? String == "Bearer")
            #expect(answer.json["expires_in"] as? Int == 3599)
            let token = try #require(answer.json["access_token"] as? String)
            let id = try await fake.createSpreadsheet()
            let read = try await client.get(id, "Attendance!A1:B2", token: token)
            #expect(read.status == 200)
        }
    }

    @Test("Google's own audience is accepted as well as the fake's token_uri, as client libraries send it")
    func googleAudience() async throws {
        try await FakeSheets.withRunning { fake in
            let client = SheetsTestClient(fake: fake)
            let answer = try await client.exchange(try await client.assertion(claims: ["aud": "https://oauth2.googleapis.com/token"]))
            #expect(answer.status == 200, "\(answer.text)")
        }
    }

    @Test("the configured token lifetime is what expires_in says")
    func configuredLifetime() async throws {
        try await FakeSheets.withRunning(.init(tokenLifetime: .seconds(120))) { fake in
            let client = SheetsTestClient(fake: fake)
            let answer = try await client.exchange(try await client.assertion())
            #expect(answer.json["expires_in"] as? Int == 120)
        }
    }

    struct Rejection: Sendable, CustomTestStringConvertible {
        var name: String
        var claims: [String: String]
        var header: [String: String] = [:]
        var timeOffsets: (iat: Int, exp: Int)?
        var error: String
        var description: String
        var testDescription: String { name }
    }

    static let shortLived = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."

    static let rejections: [Rejection] = [
        Rejection(name: "unknown kid", claims: [:], header: ["kid": "0123456789abcdef"], error: "invalid_grant", description: "Invalid JWT Signature."),
        Rejection(name: "HS256 instead of RS256", claims: [:], header: ["alg": "HS256"], error: "invalid_grant", description: "Invalid JWT Signature."),
        Rejection(name: "wrong audience", claims: ["aud": "https://example.com/token"], error: "invalid_grant",
                  description: "Invalid JWT: Failed audience check. The right audience is https://oauth2.googleapis.com/token"),
        Rejection(name: "unknown issuer", claims: ["iss": "someone@else.iam.gserviceaccount.com"], error: "invalid_grant",
                  description: "Invalid grant: account not found"),
        Rejection(name: "expired", claims: [:], timeOffsets: (-7200, -3600), error: "invalid_grant", description: shortLived),
        Rejection(name: "iat in the future", claims: [:], timeOffsets: (3600, 5400), error: "invalid_grant", description: shortLived),
        Rejection(name: "exp more than an hour after iat", claims: [:], timeOffsets: (0, 3601 + 60), error: "invalid_grant", description: shortLived),
        Rejection(name: "no scope", claims: ["scope": ""], error: "invalid_scope", description: "Invalid OAuth scope or ID token audience provided."),
    ]

    @Test("a bad assertion gets Google's 400 and its exact error_description", arguments: rejections)
    func rejected(_ case_: Rejection) async throws {
        try await FakeSheets.withRunning { fake in
            let client = SheetsTestClient(fake: fake)
            var claims: [String: Any] = case_.claims
            if let offsets = case_.timeOffsets {
                let now = Int(Date().timeIntervalSince1970)
                claims["iat"] = now + offsets.iat
                claims["exp"] = now + offsets.exp
            }
            let answer = try await client.exchange(try await client.assertion(claims: claims, header: case_.header))
            #expect(answer.status == 400)
            #expect(answer.json["error"] as? String == case_.error)
            #expect(answer.json["error_description"] as? String == case_.description)
            #expect(!answer.text.contains("PRIVATE KEY"))
        }
    }

    @Test("a JWT signed with a different key (forged) is rejected as an invalid signature")
    func forgedSignature() async throws {
        try await FakeSheets.withRunning { fake in
            let client = SheetsTestClient(fake: fake)
            let key = try await client.keyFile()
            let forger = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let forged = try SheetsTestClient.signJWT(privateKeyPEM: forger.pkcs8PEMRepresentation, keyID: try #require(key["private_key_id"]),
                                                     email: try #require(key["client_email"]), audience: try #require(key["token_uri"]))
            let answer = try await client.exchange(forged)
            #expect(answer.status == 400)
            #expect(answer.json["error_description"] as? String == "Invalid JWT Signature.")
            // A valid JWT with one claim changed after signing is rejected the same way.
            let good = try await client.assertion()
            var parts = good.split(separator: ".").map(String.init)
            let tampered = try JSONSerialization.data(withJSONObject: ["iss": key["client_email"]!, "aud": key["token_uri"]!,
                                                                       "scope": "https://www.googleapis.com/auth/spreadsheets",
                                                                       "iat": Int(Date().timeIntervalSince1970), "exp": Int(Date().timeIntervalSince1970) + 600])
            parts[1] = SheetsTestClient.base64URL(tampered)
            let tamperedAnswer = try await client.exchange(parts.joined(separator: "."))
            #expect(tamperedAnswer.json["error_description"] as? String == "Invalid JWT Signature.")
        }
    }

    @Test("grant_type and assertion are required, as RFC 6749 §5.2 errors")
    func badRequests() async throws {
        try await FakeSheets.withRunning { fake in
            let client = SheetsTestClient(fake: fake)
            let wrongGrant = try await client.exchange(try await client.assertion(), grantType: "client_credentials")
            #expect(wrongGrant.status == 400)
            #expect(wrongGrant.json["error"] as? String == "unsupported_grant_type")
            #expect(wrongGrant.json["error_description"] as? String == "Invalid grant_type: client_credentials")
            let noAssertion = try await client.send(.POST, "/token", body: Data("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer".utf8),
                                                    headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(noAssertion.status == 400)
            #expect(noAssertion.json["error"] as? String == "invalid_request")
            let garbage = try await client.exchange("not-a-jwt")
            #expect(garbage.status == 400)
            #expect(garbage.json["error"] as? String == "invalid_grant")
        }
    }
}
