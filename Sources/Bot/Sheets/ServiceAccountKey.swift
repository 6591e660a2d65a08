import _CryptoExtras
import Foundation
import MetroSupport

/// The fields of a Google service-account JSON key (`GOOGLE_APPLICATION_CREDENTIALS`) that the
/// bot uses to obtain access tokens.
///
/// Neither `description`, `debugDescription` nor `dump` shows the private key.
public struct ServiceAccountKey: Sendable, Decodable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `client_email`: the account's identity, the JWT's issuer.
    public var clientEmail: String
    /// `private_key`: the RSA private key in PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
    public var privateKey: String
    /// `private_key_id`: sent as the JWT's `kid`.
    public var privateKeyID: String
    /// `token_uri`: where access tokens are obtained (Google's, or a fake's).
    public var tokenURI: String

    enum CodingKeys: String, CodingKey {
        case clientEmail = "client_email"
        case privateKey = "private_key"
        case privateKeyID = "private_key_id"
        case tokenURI = "token_uri"
    }

    /// Creates a key from its fields (not validated; `load(contentsOf:)` validates).
    public init(clientEmail: String, privateKey: String, privateKeyID: String, tokenURI: String) {
        self.clientEmail = clientEmail
        self.privateKey = privateKey
        self.privateKeyID = privateKeyID
        self.tokenURI = tokenURI
    }

    /// Reads and validates the key file at `path`.
    ///
    /// - Throws: `ServiceAccountKeyError` saying what is wrong — missing file, not JSON, a missing
    ///   or empty field, a `token_uri` that is no http(s) URL, a private key that is not a usable
    ///   RSA PEM — without ever including the private key.
    public static func load(contentsOf path: String) throws -> ServiceAccountKey {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ServiceAccountKeyError(path: path, problem: .missingFile)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ServiceAccountKeyError(path: path, problem: .unreadable(error.localizedDescription))
        }
        return try decode(data, source: path)
    }

    /// Decodes and validates a key from JSON `data`; `source` names it in errors.
    public static func decode(_ data: Data, source: String = "service-account key") throws -> ServiceAccountKey {
        guard !JSONNestingGuard.isTooDeep(data),
              let object = try? JSONSerialization.jsonObject(with: data), let fields = object as? [String: Any] else {
            throw ServiceAccountKeyError(path: source, problem: .notJSON)
        }
        if let type = fields["type"] as? String, type != "service_account" {
            throw ServiceAccountKeyError(path: source, problem: .invalidField("type", "is \"\(type)\", expected \"service_account\" (download a key of a service account, not OAuth client credentials)"))
        }
        for field in CodingKeys.allFields {
            guard let value = fields[field] else {
                throw ServiceAccountKeyError(path: source, problem: .missingField(field))
            }
            guard let string = value as? String else {
                throw ServiceAccountKeyError(path: source, problem: .invalidField(field, "is not a string"))
            }
            guard !string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ServiceAccountKeyError(path: source, problem: .invalidField(field, "is empty"))
            }
        }
        let key: ServiceAccountKey
        do {
            key = try JSONDecoder().decode(ServiceAccountKey.self, from: data)
        } catch {
            throw ServiceAccountKeyError(path: source, problem: .notJSON)
        }
        guard let url = URL(string: key.tokenURI), let scheme = url.scheme?.lowercased(),
              scheme == "https" || scheme == "http", url.host != nil else {
            throw ServiceAccountKeyError(path: source, problem: .invalidField("token_uri", "is not an http(s) URL"))
        }
        do {
            _ = try key.signingKey()
        } catch {
            throw ServiceAccountKeyError(path: source, problem: .badPrivateKey)
        }
        return key
    }

    /// The parsed private key.
    func signingKey() throws -> _RSA.Signing.PrivateKey {
        try _RSA.Signing.PrivateKey(pemRepresentation: privateKey)
    }

    /// A one-line explanation for logs and operators; never contains a secret.
    public var description: String {
        "ServiceAccountKey(clientEmail: \(clientEmail), privateKeyID: \(privateKeyID), tokenURI: \(tokenURI), privateKey: [REDACTED])"
    }

    /// The same as `description`: the private key is never shown.
    public var debugDescription: String { description }

    /// What `dump` shows: every field but the private key.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "clientEmail": clientEmail, "privateKeyID": privateKeyID, "tokenURI": tokenURI, "privateKey": "[REDACTED]",
        ])
    }
}

extension ServiceAccountKey.CodingKeys {
    static let allFields = ["client_email", "private_key", "private_key_id", "token_uri"]
}

/// A service-account key file that cannot be used; the description names the file, the problem
/// and the fix, never the key.
public struct ServiceAccountKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: Sendable, Equatable {
        /// No file at the path.
        case missingFile
        /// The file exists but cannot be read (the reason).
        case unreadable(String)
        /// The content is not a JSON object.
        case notJSON
        /// A required field is absent (its name).
        case missingField(String)
        /// A field has the wrong type or value (its name, what is wrong).
        case invalidField(String, String)
        /// `private_key` is not an RSA private key in PEM form of 2048 bits or more.
        case badPrivateKey
    }

    /// The file (or source) concerned.
    public var path: String
    /// What is wrong with it.
    public var problem: Problem

    /// A one-line explanation for logs and operators; never contains a secret.
    public var description: String {
        switch problem {
        case .missingFile:
            return "service-account key \(path) does not exist: set GOOGLE_APPLICATION_CREDENTIALS to the JSON key file of the service account"
        case .unreadable(let reason):
            return "service-account key \(path) cannot be read (\(reason)): check its permissions"
        case .notJSON:
            return "service-account key \(path) is not a JSON object: download the key again from the Google Cloud console (IAM → Service accounts → Keys)"
        case .missingField(let field):
            return "service-account key \(path) has no `\(field)` field: download the key again from the Google Cloud console"
        case .invalidField(let field, let reason):
            return "service-account key \(path): `\(field)` \(reason)"
        case .badPrivateKey:
            return "service-account key \(path): `private_key` is not an RSA private key in PEM form (2048 bits or more): download the key again"
        }
    }
}
