@testable import Bot
import _CryptoExtras
import Crypto
import Foundation
import Testing

/// A key pair generated once for the client tests (generation takes a moment).
let serviceAccountTestKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
private var testKeyPair: _RSA.Signing.PrivateKey { serviceAccountTestKey }

private func keyJSON(_ fields: [String: Any]) throws -> Data {
    try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
}

private func validFields(privateKey: String = testKeyPair.pkcs8PEMRepresentation) -> [String: Any] {
    [
        "type": "service_account",
        "project_id": "metropolitan-test",
        "private_key_id": "kid-0123456789abcdef",
        "private_key": privateKey,
        "client_email": "bot@metropolitan-test.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    ]
}

/// Writes `data` to a fresh temporary file, runs `body` with its path, and removes the directory.
private func withKeyFile<T>(_ data: Data?, _ body: (String) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bot-sa-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("key.json").path
    if let data { try data.write(to: URL(fileURLWithPath: path)) }
    return try body(path)
}

@Suite struct ServiceAccountTests {
    @Test("a Google service-account key file loads, in PKCS#8 and PKCS#1 PEM")
    func loadsValidKey() throws {
        for pem in [testKeyPair.pkcs8PEMRepresentation, testKeyPair.pemRepresentation] {
            let key = try withKeyFile(try keyJSON(validFields(privateKey: pem))) { try ServiceAccountKey.load(contentsOf: $0) }
            #expect(key.clientEmail == "bot@metropolitan-test.iam.gserviceaccount.com")
            #expect(key.privateKeyID == "kid-0123456789abcdef")
            #expect(key.tokenURI == "https://oauth2.googleapis.com/token")
            #expect(key.privateKey == pem)
        }
    }

    @Test("a bad key file is a clear error that names the file and the problem, never the private key",
          arguments: [
              ("missing file", nil, "does not exist"),
              ("not JSON", Data("{not json".utf8), "is not a JSON object"),
              ("JSON array", Data("[1,2]".utf8), "is not a JSON object"),
              ("no client_email", try! keyJSON(validFields().filter { $0.key != "client_email" }), "no `client_email` field"),
              ("no private_key", try! keyJSON(validFields().filter { $0.key != "private_key" }), "no `private_key` field"),
              ("no private_key_id", try! keyJSON(validFields().filter { $0.key != "private_key_id" }), "no `private_key_id` field"),
              ("no token_uri", try! keyJSON(validFields().filter { $0.key != "token_uri" }), "no `token_uri` field"),
              ("empty client_email", try! keyJSON(validFields().merging(["client_email": " "]) { $1 }), "`client_email` is empty"),
              ("numeric private_key_id", try! keyJSON(validFields().merging(["private_key_id": 7]) { $1 }), "`private_key_id` is not a string"),
              ("token_uri not a URL", try! keyJSON(validFields().merging(["token_uri": "oauth2 token"]) { $1 }), "`token_uri` is not an http(s) URL"),
              ("OAuth client file", try! keyJSON(validFields().merging(["type": "authorized_user"]) { $1 }), "expected \"service_account\""),
              ("garbled PEM", try! keyJSON(validFields(privateKey: "-----BEGIN PRIVATE KEY-----\nAAAAsecretish\n-----END PRIVATE KEY-----\n")), "is not an RSA private key"),
          ] as [(String, Data?, String)])
    func rejectsBadKeys(label: String, contents: Data?, expected: String) throws {
        try withKeyFile(contents) { path in
            let error = #expect(throws: ServiceAccountKeyError.self, "\(label)") {
                try ServiceAccountKey.load(contentsOf: path)
            }
            let description = error?.description ?? ""
            #expect(description.contains(path), "\(label): \(description)")
            #expect(description.contains(expected), "\(label): \(description)")
            #expect(!description.contains("BEGIN"))
            #expect(!description.contains("secretish"))
            #expect(!description.contains(String(testKeyPair.pkcs8PEMRepresentation.dropFirst(40).prefix(40))))
        }
    }

    @Test("printing, debug-printing or dumping a key never shows the private key")
    func keyIsNotPrinted() throws {
        let key = try ServiceAccountKey.decode(try keyJSON(validFields()))
        var dumped = ""
        dump(key, to: &dumped)
        for text in ["\(key)", String(describing: key), String(reflecting: key), dumped] {
            #expect(!text.contains("PRIVATE KEY"))
            #expect(text.contains("[REDACTED]"))
            #expect(text.contains("bot@metropolitan-test.iam.gserviceaccount.com"))
        }
    }

    @Test("the assertion is an RS256 JWT with kid, iss, scope, aud = token_uri, iat and exp = iat + 3600, verifiable with the public key")
    func assertionStructure() throws {
        let key = try ServiceAccountKey.decode(try keyJSON(validFields()))
        let issuedAt = Date(timeIntervalSince1970: 1_800_000_000.75)
        let jwt = try ServiceAccountAssertion.make(key: key, signingKey: try key.signingKey(), issuedAt: issuedAt)
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        #expect(!jwt.contains("=") && !jwt.contains("+") && !jwt.contains("/"))

        let header = try JSONDecoder().decode(ServiceAccountAssertion.Header.self, from: try #require(ServiceAccountAssertion.decodeBase64URL(parts[0])))
        #expect(header == .init(alg: "RS256", typ: "JWT", kid: "kid-0123456789abcdef"))
        let claims = try JSONDecoder().decode(ServiceAccountAssertion.Claims.self, from: try #require(ServiceAccountAssertion.decodeBase64URL(parts[1])))
        #expect(claims == .init(
            iss: "bot@metropolitan-test.iam.gserviceaccount.com",
            scope: "https://www.googleapis.com/auth/spreadsheets",
            aud: "https://oauth2.googleapis.com/token",
            iat: 1_800_000_000, exp: 1_800_003_600
        ))

        let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(ServiceAccountAssertion.decodeBase64URL(parts[2])))
        let signingInput = Data("\(parts[0]).\(parts[1])".utf8)
        #expect(testKeyPair.publicKey.isValidSignature(signature, for: signingInput, padding: .insecurePKCS1v1_5))
        // A changed claim no longer verifies: the signature covers the claims.
        let tampered = Data("\(parts[0]).\(ServiceAccountAssertion.base64URL(Data(#"{"iss":"evil"}"#.utf8)))".utf8)
        #expect(!testKeyPair.publicKey.isValidSignature(signature, for: tampered, padding: .insecurePKCS1v1_5))
        // Signed with another key: does not verify with ours.
        let otherKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        #expect(!otherKey.publicKey.isValidSignature(signature, for: signingInput, padding: .insecurePKCS1v1_5))
    }
}
