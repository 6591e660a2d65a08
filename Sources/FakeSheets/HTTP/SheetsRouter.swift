import Hummingbird
import MetroSupport

/// Builds the fake's router: `POST /token`, the Sheets API under `/v4/spreadsheets/` and the
/// control API under `/control/`.
enum SheetsRouter {
    static func build(state: SheetsState, signal: ShutdownSignal, baseURL: @escaping @Sendable () -> String) -> Router<SheetsRequestContext> {
        let router = Router(context: SheetsRequestContext.self)
        let faults = FaultInjection(state: state, signal: signal)
        let token = TokenRoute(state: state, faults: faults, baseURL: baseURL)
        router.post("token") { request, context in await token.handle(request, context: context) }
        let api = SheetsAPIRoutes(state: state, faults: faults, baseURL: baseURL)
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            router.on("v4/spreadsheets/**", method: method) { request, context in await api.handle(request, context: context) }
        }
        ControlRoutes(state: state, baseURL: baseURL).register(on: router)
        return router
    }
}
