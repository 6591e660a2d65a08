import Foundation
import _CryptoExtras
import Crypto
import MetroSupport

/// The signed JWT a client sends to `POST /token` with the `jwt-bearer` grant, checked the way
/// Google's token endpoint checks it (RFC 7523; Google's "Using OAuth 2.0 for Server to Server
/// Applications").
struct JWTAssertion: Sendable {
    var keyID: String?
    var issuer: String
    var audience: String
    var scope: String?
    var issuedAt: Int
    var expiresAt: Int
    var subject: String?

    /// Google's audience; its client libraries send it whatever `token_uri` says.
    static let googleTokenAudience = "https://oauth2.googleapis.com/token"

    /// Decodes and verifies `assertion` against the accounts the fake issued.
    /// - Parameters:
    ///   - accounts: issued accounts by `client_email`.
    ///   - audiences: accepted `aud` values (the fake's token URL and Google's).
    ///   - now: seconds since 1970.
    /// - Returns: the verified claims and the account that signed them.
    static func verify(
        _ assertion: String,
        accounts: [String: ServiceAccount],
        audiences: Set<String>,
        now: Int
    ) throws(OAuthError) -> (JWTAssertion, ServiceAccount) {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerData = base64URLDecode(parts[0]),
              let payloadData = base64URLDecode(parts[1]),
              let signatureData = base64URLDecode(parts[2]),
              case .object(let header)? = JSONValue.parse(headerData),
              case .object(let claims)? = JSONValue.parse(payloadData)
        else {
            throw OAuthError.invalidGrant("Invalid JWT: the assertion is not a JWS compact serialization (three base64url parts: header.payload.signature).")
        }
        guard header["alg"]?.stringValue == "RS256" else {
            throw OAuthError.invalidGrant("Invalid JWT Signature.")
        }
        guard let issuer = claims["iss"]?.stringValue, !issuer.isEmpty else {
            throw OAuthError.invalidGrant("Invalid JWT: No valid issuer found in the JWT claim.")
        }
        guard let account = accounts[issuer] else {
            throw OAuthError.invalidGrant("Invalid grant: account not found")
        }
        // A key id that is not the account's current key: Google reports the signature as invalid.
        let keyID = header["kid"]?.stringValue
        if let keyID, keyID != account.keyID {
            throw OAuthError.invalidGrant("Invalid JWT Signature.")
        }
        let signedPart = Data(assertion.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let signature = _RSA.Signing.RSASignature(rawRepresentation: signatureData)
        guard account.publicKey.isValidSignature(signature, for: SHA256.hash(data: signedPart), padding: .insecurePKCS1v1_5) else {
            throw OAuthError.invalidGrant("Invalid JWT Signature.")
        }
        guard let audience = claims["aud"]?.stringValue, audiences.contains(audience) else {
            throw OAuthError.invalidGrant("Invalid JWT: Failed audience check. The right audience is \(googleTokenAudience)")
        }
        guard let iat = claims["iat"]?.integer, let exp = claims["exp"]?.integer else {
            throw OAuthError.invalidGrant("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
        }
        // Google allows a few minutes of clock skew; beyond that iat/exp are rejected.
        let skew = 300
        guard iat <= now + skew, exp > now, exp > iat, exp - iat <= 3600 else {
            throw OAuthError.invalidGrant("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
        }
        let scope = claims["scope"]?.stringValue
        guard let scope, !scope.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OAuthError(status: 400, error: "invalid_scope", description: "Invalid OAuth scope or ID token audience provided.")
        }
        let claimsOut = JWTAssertion(keyID: keyID, issuer: issuer, audience: audience, scope: scope,
                                     issuedAt: iat, expiresAt: exp, subject: claims["sub"]?.stringValue)
        return (claimsOut, account)
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !s.contains("=") || s.hasSuffix("=") else { return nil }
        s = s.trimmingCharacters(in: CharacterSet(charactersIn: "="))
        while s.count % 4 != 0 { s.append("=") }
        return Data(base64Encoded: s)
    }
}

/// An error answer of the OAuth token endpoint: `{"error": …, "error_description": …}`.
struct OAuthError: Error, Sendable {
    var status: Int
    var error: String
    var description: String

    static func invalidGrant(_ description: String) -> OAuthError {
        OAuthError(status: 400, error: "invalid_grant", description: description)
    }

    var body: JSONValue {
        .object(["error": .string(error), "error_description": .string(description)])
    }
}
