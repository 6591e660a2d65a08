import Foundation
import _CryptoExtras
import MetroSupport

/// A Google service account the fake issued: an RSA-2048 key pair whose private half is handed out
/// in a JSON key file of the same shape Google Cloud downloads, and whose public half verifies the
/// RS256 assertions sent to `POST /token`.
struct ServiceAccount: Sendable {
    var keyID: String
    var clientEmail: String
    var clientID: String
    var projectID: String
    /// The project number Google quotes in quota errors (`project_number:NNN`).
    var projectNumber: String
    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as in Google's key files.
    var privateKeyPEM: String
    var publicKey: _RSA.Signing.PublicKey

    /// Generates a new account. Key generation takes a noticeable fraction of a second, so the fake
    /// does it once (lazily) and keeps the account.
    /// - Parameter pem: an existing key to use instead of generating one.
    static func generate(ordinal: Int, pem: String? = nil, random: inout some RandomNumberGenerator) throws -> ServiceAccount {
        let key = try pem.map { try _RSA.Signing.PrivateKey(pemRepresentation: $0) } ?? _RSA.Signing.PrivateKey(keySize: .bits2048)
        let keyID = (0..<20).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        let projectID = "metropolitan-fake"
        let clientID = String((0..<21).map { i in Character(String(i == 0 ? Int.random(in: 1...9, using: &random) : Int.random(in: 0...9, using: &random))) })
        return ServiceAccount(
            keyID: keyID,
            clientEmail: "fake-sheets-\(ordinal)@\(projectID).iam.gserviceaccount.com",
            clientID: clientID,
            projectID: projectID,
            projectNumber: "\(100_000_000_000 + ordinal)",
            privateKeyPEM: key.pkcs8PEMRepresentation,
            publicKey: key.publicKey
        )
    }

    /// Rebuilds an account stored by the fake's database.
    init(keyID: String, clientEmail: String, clientID: String, projectID: String, projectNumber: String, privateKeyPEM: String) throws {
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        self.init(keyID: keyID, clientEmail: clientEmail, clientID: clientID, projectID: projectID,
                  projectNumber: projectNumber, privateKeyPEM: privateKeyPEM, publicKey: key.publicKey)
    }

    init(keyID: String, clientEmail: String, clientID: String, projectID: String, projectNumber: String,
         privateKeyPEM: String, publicKey: _RSA.Signing.PublicKey) {
        self.keyID = keyID
        self.clientEmail = clientEmail
        self.clientID = clientID
        self.projectID = projectID
        self.projectNumber = projectNumber
        self.privateKeyPEM = privateKeyPEM
        self.publicKey = publicKey
    }

    /// The JSON key file, with `token_uri` pointing at the fake (`<baseURL>/token`).
    func keyFile(baseURL: String) -> JSONValue {
        let encodedEmail = clientEmail.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? clientEmail
        return .object([
            "type": .string("service_account"),
            "project_id": .string(projectID),
            "private_key_id": .string(keyID),
            "private_key": .string(privateKeyPEM.hasSuffix("\n") ? privateKeyPEM : privateKeyPEM + "\n"),
            "client_email": .string(clientEmail),
            "client_id": .string(clientID),
            "auth_uri": .string("\(baseURL)/o/oauth2/auth"),
            "token_uri": .string("\(baseURL)/token"),
            "auth_provider_x509_cert_url": .string("\(baseURL)/oauth2/v1/certs"),
            "client_x509_cert_url": .string("\(baseURL)/robot/v1/metadata/x509/\(encodedEmail)"),
            "universe_domain": .string("googleapis.com"),
        ])
    }
}
