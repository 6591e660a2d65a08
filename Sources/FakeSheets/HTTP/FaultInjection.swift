import Foundation
import Hummingbird
import NIOCore
import MetroSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Applies the fault rule (if any) that fires for a request, before the request does anything:
/// a held request has written nothing, a faulted one writes nothing.
struct FaultInjection: Sendable {
    let state: SheetsState
    let signal: ShutdownSignal

    /// What happens to the request after its faults were applied.
    enum Outcome {
        /// Handle it normally.
        case proceed
        /// Send this answer instead (the call is journalled with `status`, `nil` = dropped).
        case answer(Response, status: Int?)
    }

    func apply(_ operation: SheetsFaultMatch.Operation, rule: SheetsFaultRule?, callID: Int, context: SheetsRequestContext,
               projectNumber: @Sendable () async -> String) async -> Outcome {
        guard let rule else { return .proceed }
        if let delay = rule.delay {
            await state.setHeld(callID, true)
            let shuttingDown = await signal.hold(for: delay)
            await state.setHeld(callID, false)
            if shuttingDown { return drop(context, reset: false) }
        }
        if let action = rule.action {
            switch action {
            case .timeout:
                await state.setHeld(callID, true)
                _ = await signal.hold(for: nil)
                await state.setHeld(callID, false)
                return drop(context, reset: false)
            case .reset:
                return drop(context, reset: true)
            case .close:
                return .answer(halfAnswer(context), status: nil)
            case .garbage:
                let garbage = Data(")]}'\n{\"spreadsheetId\": \u{1}<html>502 Bad Gateway".utf8)
                return .answer(HTTPMessages.raw(200, garbage, contentType: "application/json; charset=UTF-8"), status: 200)
            }
        }
        if let respond = rule.respond {
            var headers: [(String, String)] = []
            if let retry = respond.retryAfter { headers.append(("Retry-After", String(retry))) }
            if let body = respond.body {
                let contentType = JSONValue.parse(Data(body.utf8)) == nil ? "text/plain; charset=UTF-8" : "application/json; charset=UTF-8"
                return .answer(HTTPMessages.raw(respond.status, Data(body.utf8), contentType: contentType, headers: headers), status: respond.status)
            }
            if operation == .token {
                let error = OAuthError(status: respond.status,
                                       error: respond.status >= 500 ? "internal_failure" : (respond.status == 429 ? "rate_limit_exceeded" : "invalid_grant"),
                                       description: respond.message ?? (respond.status >= 500 ? "Backend Error" : "Bad Request"))
                return .answer(HTTPMessages.json(error.status, error.body, headers: headers), status: respond.status)
            }
            var error = respond.status == 429 ? QuotaMeter.defaultExceeded(projectNumber: await projectNumber()) : GoogleError.standard(code: respond.status)
            if let message = respond.message { error.message = message }
            error.headers += headers
            return .answer(HTTPMessages.google(error), status: respond.status)
        }
        return .proceed
    }

    /// Drops the connection: with an RST (`SO_LINGER` 0) for `reset`, else a plain close.
    private func drop(_ context: SheetsRequestContext, reset: Bool) -> Outcome {
        let channel = context.channel
        if reset, let provider = channel as? any SocketOptionProvider {
            _ = provider.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        }
        channel.close(promise: nil)
        return .answer(Response(status: .ok), status: nil)
    }

    /// A 200 whose headers promise more body than is sent before the connection is closed.
    private func halfAnswer(_ context: SheetsRequestContext) -> Response {
        let channel = context.channel
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=UTF-8"
        fields[.contentLength] = "4096"
        return Response(status: .ok, headers: fields, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "{\"spreadsheetId\": \""))
            try await channel.close()
            throw ChannelError.ioOnClosedChannel
        })
    }
}
