import Foundation
import Hummingbird
import MetroSupport

/// The control API under `/control/` (DESIGN.md, "Fake Sheets"): the same operations as the Swift
/// API on `FakeSheets`, for the chaos runner and for developers with curl.
struct ControlRoutes: Sendable {
    let state: SheetsState
    let baseURL: @Sendable () -> String

    func register(on router: Router<SheetsRequestContext>) {
        router.post("control/spreadsheets") { request, _ in await self.run { try await self.createSpreadsheet(request) } }
        router.get("control/spreadsheets/:id/sheets/:title/rows") { _, context in
            await self.run {
                let id = ControlRoutes.decoded(context.parameters.get("id") ?? "")
                let title = ControlRoutes.decoded(context.parameters.get("title") ?? "")
                let rows = try await self.state.rows(spreadsheetID: id, sheet: title)
                return .array(rows.map { .array($0.map { .string($0) }) })
            }
        }
        router.get("control/credentials") { _, _ in
            await self.run { try await self.state.defaultAccount().keyFile(baseURL: self.baseURL()) }
        }
        router.post("control/credentials") { _, _ in
            await self.run { try await self.state.issueAccount().keyFile(baseURL: self.baseURL()) }
        }
        router.get("control/calls") { request, _ in
            await self.run {
                let operation = HTTPMessages.query(request).first { $0.0 == "operation" }?.1
                return .array(await self.state.calls(operation: operation).map(\.json))
            }
        }
        router.get("control/held") { _, _ in
            await self.run { .array(await self.state.heldCalls().map(\.json)) }
        }
        router.get("control/faults") { _, _ in
            await self.run {
                .array(await self.state.faultList().map { fault in
                    var json = fault.rule.json.objectValue ?? [:]
                    json["id"] = .string(fault.id)
                    return .object(json)
                })
            }
        }
        router.post("control/faults") { request, _ in
            await self.run {
                let rule: SheetsFaultRule
                do {
                    rule = try SheetsFaultRule(json: try await HTTPMessages.body(request))
                } catch {
                    throw ControlError(status: 400, "invalid fault rule: \(error)")
                }
                return .object(["id": .string(try await self.state.addFault(rule))])
            }
        }
        router.delete("control/faults") { _, _ in
            await self.run {
                await self.state.removeFaults(id: nil)
                return .object([:])
            }
        }
        router.delete("control/faults/:id") { _, context in
            await self.run {
                let id = context.parameters.get("id") ?? ""
                guard await self.state.removeFaults(id: id) else { throw ControlError(status: 404, "no fault rule \(id)") }
                return .object([:])
            }
        }
        router.post("control/tokens/expire") { _, _ in
            await self.run {
                await self.state.expireTokens()
                return .object([:])
            }
        }
        router.post("control/reset") { _, _ in
            await self.run {
                try await self.state.reset()
                return .object([:])
            }
        }
    }

    static func decoded(_ segment: String) -> String { segment.removingPercentEncoding ?? segment }

    private func run(_ body: () async throws -> JSONValue) async -> Response {
        do {
            return HTTPMessages.json(200, try await body())
        } catch let error as ControlError {
            return HTTPMessages.control(error)
        } catch {
            return HTTPMessages.control(ControlError(status: 500, "\(error)"))
        }
    }

    private func createSpreadsheet(_ request: Request) async throws -> JSONValue {
        let data = try await HTTPMessages.body(request)
        guard case .object(let object)? = JSONValue.parse(data.isEmpty ? Data("{}".utf8) : data) else {
            throw ControlError(status: 400, "the body must be a JSON object like {\"spreadsheetId\": \"abc\", \"sheets\": [\"Attendance\"]}")
        }
        let known: Set<String> = ["spreadsheetId", "sheets", "title", "sharedWith"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw ControlError(status: 400, "unknown field \"\(unknown)\"; accepted: \(known.sorted().joined(separator: ", "))")
        }
        var id: String?
        if let value = object["spreadsheetId"] {
            guard let text = value.stringValue, !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw ControlError(status: 400, "\"spreadsheetId\" must be a non-empty string of letters, digits, - and _")
            }
            id = text
        }
        var sheets = ["Attendance"]
        if let value = object["sheets"] {
            guard case .array(let items) = value, let titles = Optional(items.compactMap(\.stringValue)), titles.count == items.count else {
                throw ControlError(status: 400, "\"sheets\" must be an array of sheet titles, e.g. [\"Attendance\"]")
            }
            sheets = titles
        }
        var title: String?
        if let value = object["title"] {
            guard let text = value.stringValue else { throw ControlError(status: 400, "\"title\" must be a string") }
            title = text
        }
        var shared: Set<String>?
        if let value = object["sharedWith"] {
            guard case .array(let items) = value, items.allSatisfy({ $0.stringValue != nil }) else {
                throw ControlError(status: 400, "\"sharedWith\" must be an array of service-account emails")
            }
            shared = Set(items.compactMap(\.stringValue))
        }
        let created = try await state.createSpreadsheet(id: id, title: title, sheets: sheets, sharedWith: shared)
        return .object(["spreadsheetId": .string(created)])
    }
}
