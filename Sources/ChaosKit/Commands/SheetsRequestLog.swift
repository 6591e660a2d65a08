import FakeSheets
import Foundation
import Logging
import MetroSupport

/// `chaos fakes`' log of the fake Sheets: one `info` line per request once it has been answered
/// (`POST /token 200 (token)`, `GET /v4/spreadsheets/ID 403 (get)`), in the shape of the fake
/// Telegram's request lines. The fake Sheets has no request logger of its own, so the lines are
/// read from its call journal, which records every API and token request (not control routes).
struct SheetsRequestLog: Sendable {
    /// The fake whose journal is read.
    let sheets: FakeSheets
    /// Where the lines go.
    let logger: Logger
    /// How often the journal is read. Defaults to 200 ms.
    var interval: Duration = .milliseconds(200)

    /// Logs until the task is cancelled, then logs what was answered in the meantime.
    func run() async {
        var logged = Set<Int>()
        var highest = 0
        while !Task.isCancelled {
            await logNew(&logged, highest: &highest)
            try? await Task.sleep(for: interval)
        }
        await logNew(&logged, highest: &highest)
    }

    func logNew(_ logged: inout Set<Int>, highest: inout Int) async {
        let calls = await sheets.calls()
        // `POST /control/reset` empties the journal and numbering starts again.
        if let last = calls.last?.id, last < highest { logged.removeAll() }
        highest = calls.last?.id ?? 0
        for call in calls where !logged.contains(call.id) {
            guard let line = Self.line(call) else { continue }
            logged.insert(call.id)
            logger.info("\(line)")
        }
    }

    /// The line for `call`, or nil while it is still being answered (or held by a fault).
    static func line(_ call: SheetsCall) -> String? {
        // Not `status == nil`: that is also how a request in flight looks, and logging it then
        // would print "no answer" for a request about to be answered, and never its status.
        guard call.finished else { return nil }
        let status = call.status.map(String.init) ?? "no answer (connection dropped)"
        return "\(call.method) \(call.path) \(status) (\(call.operation)\(call.faultID.map { ", fault \($0)" } ?? ""))"
    }
}
