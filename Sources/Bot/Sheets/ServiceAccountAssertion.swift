import _CryptoExtras
import Crypto
import Foundation

/// The signed JWT a service account exchanges for an access token
/// (https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests):
/// header `{"alg":"RS256","typ":"JWT","kid":private_key_id}`, claims `iss` (client email),
/// `scope`, `aud` (the token URI), `iat` and `exp` = `iat` + 1 hour, signed with RSASSA-PKCS1-v1_5
/// over SHA-256.
enum ServiceAccountAssertion {
    /// The scope for reading and writing spreadsheets.
    static let spreadsheetsScope = "https://www.googleapis.com/auth/spreadsheets"

    struct Header: Codable, Equatable {
        var alg = "RS256"
        var typ = "JWT"
        var kid: String
    }

    struct Claims: Codable, Equatable {
        var iss: String
        var scope: String
        var aud: String
        var iat: Int64
        var exp: Int64
    }

    /// A compact JWS `header.claims.signature`, each part base64url without padding.
    static func make(
        key: ServiceAccountKey,
        signingKey: _RSA.Signing.PrivateKey,
        scope: String = spreadsheetsScope,
        issuedAt: Date,
        lifetime: Int64 = 3600
    ) throws -> String {
        let iat = Int64(issuedAt.timeIntervalSince1970.rounded(.down))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let header = try encoder.encode(Header(kid: key.privateKeyID))
        let claims = try encoder.encode(Claims(iss: key.clientEmail, scope: scope, aud: key.tokenURI, iat: iat, exp: iat + lifetime))
        let signingInput = base64URL(header) + "." + base64URL(claims)
        let signature = try signingKey.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + base64URL(signature.rawRepresentation)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
