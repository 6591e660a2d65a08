import Foundation
import Hummingbird
import MetroSupport

/// `POST /token`: Google's OAuth 2.0 token endpoint for the service-account flow
/// (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, `assertion=<signed JWT>`), form-encoded
/// as Google's client libraries send it.
struct TokenRoute: Sendable {
    let state: SheetsState
    let faults: FaultInjection
    let baseURL: @Sendable () -> String

    static let jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    func handle(_ request: Request, context: SheetsRequestContext) async -> Response {
        let (callID, rule) = await state.beginCall(.token, method: request.method.rawValue, path: request.uri.path,
                                                   spreadsheetID: nil, range: nil)
        let response = await respond(request, context: context, callID: callID, rule: rule)
        return response
    }

    private func respond(_ request: Request, context: SheetsRequestContext, callID: Int, rule: SheetsFaultRule?) async -> Response {
        let state = self.state
        switch await faults.apply(.token, rule: rule, callID: callID, context: context, projectNumber: { (try? await state.defaultAccount().projectNumber) ?? "0" }) {
        case .answer(let response, let status):
            await state.finishCall(callID, status: status)
            return response
        case .proceed:
            break
        }
        let response: Response
        do {
            let body = try await HTTPMessages.body(request)
            let text = String(decoding: body, as: UTF8.self)
            var parameters: [String: String] = [:]
            if request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true {
                guard case .object(let object)? = JSONValue.parse(body) else {
                    throw OAuthError(status: 400, error: "invalid_request", description: "The request body is not valid JSON.")
                }
                for (key, value) in object { if let s = value.stringValue { parameters[key] = s } }
            } else {
                for (key, value) in HTTPMessages.form(text) { parameters[key] = value }
            }
            for (key, value) in HTTPMessages.query(request) where parameters[key] == nil { parameters[key] = value }
            guard let grant = parameters["grant_type"], !grant.isEmpty else {
                throw OAuthError(status: 400, error: "invalid_request", description: "Missing required parameter: grant_type")
            }
            guard grant == TokenRoute.jwtBearerGrant else {
                throw OAuthError(status: 400, error: "unsupported_grant_type", description: "Invalid grant_type: \(grant)")
            }
            guard let assertion = parameters["assertion"], !assertion.isEmpty else {
                throw OAuthError(status: 400, error: "invalid_request", description: "Missing required parameter: assertion")
            }
            let (token, expiresIn) = try await state.exchange(assertion: assertion, tokenURL: baseURL() + "/token")
            response = HTTPMessages.json(200, .object([
                "access_token": .string(token), "expires_in": .integer(expiresIn), "token_type": .string("Bearer"),
            ]), headers: [("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate"), ("Pragma", "no-cache")])
        } catch let error as OAuthError {
            response = HTTPMessages.oauth(error)
        } catch {
            response = HTTPMessages.oauth(OAuthError(status: 400, error: "invalid_request", description: "The request body could not be read (at most \(HTTPMessages.maximumBodySize) bytes)."))
        }
        await state.finishCall(callID, status: Int(response.status.code))
        return response
    }
}
