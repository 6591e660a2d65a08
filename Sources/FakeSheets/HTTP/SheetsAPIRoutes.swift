import Foundation
import Hummingbird
import MetroSupport

/// The Sheets API v4 under `/v4/spreadsheets/`: the path is parsed by hand (after the router's
/// catch-all) because the `{range}` segment may be percent-encoded and carries `:append` at its end.
struct SheetsAPIRoutes: Sendable {
    let state: SheetsState
    let faults: FaultInjection
    let baseURL: @Sendable () -> String

    /// A request the path and method name.
    struct Call {
        var operation: SheetsFaultMatch.Operation
        var rpcMethod: String
        var spreadsheetID: String
        var range: String?
        var isWrite: Bool
        var allowedQuery: Set<String>
    }

    /// System parameters every Google API accepts and the fake ignores.
    static let systemParameters: Set<String> = [
        "alt", "prettyPrint", "fields", "quotaUser", "$.xgafv", "key", "access_token", "callback", "upload_protocol",
        "uploadType", "oauth_token", "userIp",
    ]

    /// The query parameters each method takes (besides `systemParameters`), built once.
    enum Query {
        static let none: Set<String> = []
        static let getSpreadsheet: Set<String> = ["ranges", "includeGridData", "excludeTablesInBandedRanges"]
        static let getValues: Set<String> = ["majorDimension", "valueRenderOption", "dateTimeRenderOption"]
        static let batchGet: Set<String> = ["ranges", "majorDimension", "valueRenderOption", "dateTimeRenderOption"]
        static let update: Set<String> = ["valueInputOption", "includeValuesInResponse", "responseValueRenderOption", "responseDateTimeRenderOption"]
        static let append: Set<String> = update.union(["insertDataOption"])
    }

    static func route(method: HTTPRequest.Method, path: String) -> Call? {
        let prefix = "/v4/spreadsheets/"
        guard path.hasPrefix(prefix) else { return nil }
        let segments = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let first = segments.first, let idSegment = decoded(first), !idSegment.isEmpty else { return nil }
        if segments.count == 1 {
            if idSegment.hasSuffix(":batchUpdate") {
                guard method == .post else { return nil }
                return Call(operation: .batchUpdate, rpcMethod: "BatchUpdateSpreadsheet", spreadsheetID: String(idSegment.dropLast(":batchUpdate".count)),
                            isWrite: true, allowedQuery: Query.none)
            }
            guard method == .get, !idSegment.contains(":") else { return nil }
            return Call(operation: .get, rpcMethod: "GetSpreadsheet", spreadsheetID: idSegment, isWrite: false,
                        allowedQuery: Query.getSpreadsheet)
        }
        let id = idSegment
        if segments.count == 2 {
            switch (method, segments[1]) {
            case (.get, "values:batchGet"):
                return Call(operation: .batchGet, rpcMethod: "BatchGetValues", spreadsheetID: id, isWrite: false,
                            allowedQuery: Query.batchGet)
            case (.post, "values:batchClear"):
                return Call(operation: .batchClear, rpcMethod: "BatchClearValues", spreadsheetID: id, isWrite: true,
                            allowedQuery: Query.none)
            case (.post, "values:batchUpdate"):
                return Call(operation: .batchUpdateValues, rpcMethod: "BatchUpdateValues", spreadsheetID: id, isWrite: true,
                            allowedQuery: Query.none)
            default:
                if segments[1].hasPrefix("values:") { return nil }
            }
        }
        guard segments.count >= 3, segments[1] == "values" else { return nil }
        guard let range = decoded(segments[2...].joined(separator: "/")), !range.isEmpty else { return nil }
        switch method {
        case .post where range.hasSuffix(":append"):
            return Call(operation: .append, rpcMethod: "AppendValues", spreadsheetID: id, range: String(range.dropLast(":append".count)),
                        isWrite: true, allowedQuery: Query.append)
        case .post where range.hasSuffix(":clear"):
            return Call(operation: .clear, rpcMethod: "ClearValues", spreadsheetID: id, range: String(range.dropLast(":clear".count)),
                        isWrite: true, allowedQuery: Query.none)
        case .put:
            return Call(operation: .update, rpcMethod: "UpdateValues", spreadsheetID: id, range: range, isWrite: true, allowedQuery: Query.update)
        case .get:
            return Call(operation: .get, rpcMethod: "GetValues", spreadsheetID: id, range: range, isWrite: false,
                        allowedQuery: Query.getValues)
        default:
            return nil
        }
    }

    /// A path segment percent-decoded; `nil` when its encoding is invalid. (Segments without `%`,
    /// the usual case, are taken as they are.)
    static func decoded(_ segment: String) -> String? {
        segment.utf8.contains(UInt8(ascii: "%")) ? segment.removingPercentEncoding : segment
    }

    func handle(_ request: Request, context: SheetsRequestContext) async -> Response {
        let path = request.uri.path
        guard let call = SheetsAPIRoutes.route(method: request.method, path: path) else {
            let callID = await state.beginCall(operation: "unknown", method: request.method.rawValue, path: path, spreadsheetID: nil, range: nil)
            await state.finishCall(callID, status: 404)
            return HTTPMessages.google(GoogleError(code: 404, message: "Method not found.", status: "NOT_FOUND"))
        }
        let (callID, rule) = await state.beginCall(call.operation, method: request.method.rawValue, path: path,
                                                   spreadsheetID: call.spreadsheetID, range: call.range)
        let state = self.state
        switch await faults.apply(call.operation, rule: rule, callID: callID, context: context,
                                  projectNumber: { (try? await state.defaultAccount().projectNumber) ?? "0" }) {
        case .answer(let response, let status):
            await state.finishCall(callID, status: status)
            return response
        case .proceed:
            break
        }
        let response: Response
        var journaled = false
        do {
            let body: Data
            (body, journaled) = try await perform(call, request: request, callID: callID)
            response = HTTPMessages.raw(200, body, contentType: HTTPMessages.jsonContentType)
        } catch let error as JournaledError {
            response = HTTPMessages.google(error.error)
            journaled = true
        } catch let error as GoogleError {
            response = HTTPMessages.google(error)
        } catch {
            response = HTTPMessages.google(SheetsAPIRoutes.payloadTooLarge)
        }
        if !journaled { await state.finishCall(callID, status: Int(response.status.code)) }
        return response
    }

    /// The answer to a body that could not be read (larger than `HTTPMessages.maximumBodySize`).
    static let payloadTooLarge = GoogleError.invalidArgument("Request payload size exceeds the limit: \(HTTPMessages.maximumBodySize) bytes.")

    /// A Google error whose status the journal already has.
    struct JournaledError: Error {
        var error: GoogleError
    }

    /// The options and the body of a `values.update`/`values.append`, validated in Google's order:
    /// `valueInputOption`, `includeValuesInResponse`, `responseValueRenderOption`, the body, then
    /// `insertDataOption`.
    static func prepareWrite(_ call: Call, _ parameters: QueryParameters, body: Data) throws(GoogleError) -> PreparedWrite {
        guard let inputOption: ValueInputOption = try parameters.enumeration("valueInputOption", proto: "value_input_option", type: "ValueInputOption", default: nil) else {
            throw GoogleError.invalidArgument("'valueInputOption' is required but not specified")
        }
        var options = WriteOptions(valueInputOption: inputOption)
        options.includeValuesInResponse = try parameters.bool("includeValuesInResponse", proto: "include_values_in_response") ?? false
        options.responseValueRenderOption = try parameters.enumeration("responseValueRenderOption", proto: "response_value_render_option", type: "ValueRenderOption", default: .formattedValue)
        let input = try ValueRangeBody.parse(body, urlRange: call.range ?? "")
        if call.operation == .append {
            options.insertDataOption = try parameters.enumeration("insertDataOption", proto: "insert_data_option", type: "InsertDataOption", default: .overwrite)
        }
        return PreparedWrite(options: options, input: input)
    }

    /// Does what `call` asks; returns the encoded JSON answer and whether the journal already has
    /// its status (writes record it in the same step on the state actor as the write itself, so an
    /// append costs one trip to the actor instead of three).
    private func perform(_ call: Call, request: Request, callID: Int) async throws -> (Data, journaled: Bool) {
        let query = HTTPMessages.query(request)
        var bearer: String?
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            bearer = parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : "-"
        } else if let token = query.first(where: { $0.0 == "access_token" || $0.0 == "oauth_token" })?.1 {
            bearer = token
        }
        for (key, _) in query where !call.allowedQuery.contains(key) && !SheetsAPIRoutes.systemParameters.contains(key) {
            throw GoogleError.invalidArgument(
                "Invalid JSON payload received. Unknown name \"\(key)\": Cannot bind query parameter. Field '\(key)' could not be found in request message.")
        }
        let method = "google.apps.sheets.v4.SpreadsheetsService.\(call.rpcMethod)"
        let parameters = QueryParameters(pairs: query)
        if call.operation == .update || call.operation == .append {
            // Everything a write needs is read here, off the actor, in the order Google checks it;
            // the errors are answered only after authorization, which happens on the actor in the
            // same step as the write (one trip to the actor instead of three).
            let body: Result<Data, GoogleError>
            do { body = .success(try await HTTPMessages.body(request)) } catch { body = .failure(SheetsAPIRoutes.payloadTooLarge) }
            let prepared = Result { () throws(GoogleError) in try SheetsAPIRoutes.prepareWrite(call, parameters, body: body.get()) }
            switch await state.write(call.operation, spreadsheetID: call.spreadsheetID, range: call.range ?? "", bearer: bearer, method: method,
                                     prepared: prepared, callID: callID) {
            case .success(.append(let answer)): return (HTTPMessages.encode(answer), true)
            case .success(.update(let answer)): return (HTTPMessages.encode(answer), true)
            case .failure(let error): throw JournaledError(error: error)
            }
        }
        let account = try await state.authorize(bearer: bearer, isWrite: call.isWrite, method: method)
        return (try await perform(call, request: request, parameters: parameters, account: account), false)
    }

    /// The operations other than writes, once `account` is authorized.
    private func perform(_ call: Call, request: Request, parameters: QueryParameters, account: ServiceAccount) async throws -> Data {
        switch call.operation {
        case .get:
            if let range = call.range {
                return HTTPMessages.encode(try await state.getValues(call.spreadsheetID, range: range,
                                                 dimension: try parameters.enumeration("majorDimension", proto: "major_dimension", type: "Dimension", default: .rows),
                                                 render: try parameters.enumeration("valueRenderOption", proto: "value_render_option", type: "ValueRenderOption", default: .formattedValue),
                                                 account: account))
            }
            var fields: FieldMask?
            if let text = parameters.first("fields"), !text.isEmpty {
                // Google answers a mask it cannot read, or one naming a field the resource lacks,
                // with its generic 400.
                guard let mask = FieldMask.parse(text), mask.unknownPath(in: .spreadsheet) == nil else {
                    throw GoogleError.standard(code: 400)
                }
                fields = mask
            }
            return HTTPMessages.encode(try await state.getSpreadsheet(call.spreadsheetID, account: account, baseURL: baseURL(), fields: fields))
        case .batchGet:
            return HTTPMessages.encode(try await state.batchGetValues(call.spreadsheetID, ranges: parameters.all("ranges"),
                                                  dimension: try parameters.enumeration("majorDimension", proto: "major_dimension", type: "Dimension", default: .rows),
                                                  render: try parameters.enumeration("valueRenderOption", proto: "value_render_option", type: "ValueRenderOption", default: .formattedValue),
                                                  account: account))
        case .update, .append:
            preconditionFailure("writes are performed above")
        case .batchUpdate:
            let body = try await HTTPMessages.body(request)
            guard case .object(let object)? = JSONValue.parse(body.isEmpty ? Data("{}".utf8) : body) else {
                throw GoogleError.invalidArgument("Invalid JSON payload received. Unexpected token.")
            }
            let known: Set<String> = ["requests", "includeSpreadsheetInResponse", "responseRanges", "responseIncludeGridData"]
            if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
                throw GoogleError.invalidArgument("Invalid JSON payload received. Unknown name \"\(unknown)\": Cannot find field.")
            }
            var requests: [JSONValue] = []
            if let value = object["requests"] {
                guard case .array(let array) = value else {
                    throw GoogleError.invalidArgument("Invalid value at 'requests' (type.googleapis.com/google.apps.sheets.v4.Request), \(value.excerpt)", field: "requests")
                }
                requests = array
            }
            return HTTPMessages.encode(try await state.batchUpdate(call.spreadsheetID, requests: requests, account: account))
        case .clear:
            _ = try ValueBatchBodies.object(try await HTTPMessages.body(request), known: [])
            return HTTPMessages.encode(try await state.clearValues(call.spreadsheetID, range: call.range ?? "", account: account))
        case .batchClear:
            let body = try ValueBatchBodies.batchClear(try await HTTPMessages.body(request))
            return HTTPMessages.encode(try await state.batchClearValues(call.spreadsheetID, ranges: body, account: account))
        case .batchUpdateValues:
            let body = try ValueBatchBodies.batchUpdate(try await HTTPMessages.body(request))
            return HTTPMessages.encode(try await state.batchUpdateValues(call.spreadsheetID, data: body.data, options: body.options, account: account))
        case .token:
            throw GoogleError.notFound
        }
    }
}

/// Query parameters with Google's error messages for bad enum and boolean values.
struct QueryParameters {
    var pairs: [(String, String)]

    func first(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    func enumeration<E: RawRepresentable>(_ name: String, proto: String, type: String, default value: E) throws(GoogleError) -> E where E.RawValue == String {
        guard let text = first(name) else { return value }
        guard let parsed = E(rawValue: text) else {
            throw GoogleError.invalidArgument("Invalid value at '\(proto)' (type.googleapis.com/google.apps.sheets.v4.\(type)), \"\(text)\"", field: proto)
        }
        return parsed
    }

    func enumeration<E: RawRepresentable>(_ name: String, proto: String, type: String, default value: E?) throws(GoogleError) -> E? where E.RawValue == String {
        guard let text = first(name) else { return value }
        guard let parsed = E(rawValue: text) else {
            throw GoogleError.invalidArgument("Invalid value at '\(proto)' (type.googleapis.com/google.apps.sheets.v4.\(type)), \"\(text)\"", field: proto)
        }
        return parsed
    }

    /// `true`/`True`/`TRUE`/`1` and `false`/`False`/`FALSE`/`0`, as Google's parameter binding accepts.
    func bool(_ name: String, proto: String) throws(GoogleError) -> Bool? {
        guard let text = first(name) else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw GoogleError.invalidArgument("Invalid value at '\(proto)' (TYPE_BOOL), \"\(text)\"", field: proto)
        }
    }
}

/// The `ValueRange` body of `values.update` / `values.append`, validated field by field.
///
/// (A typed `JSONDecoder` fast path was tried and removed: decoding this small body through
/// `Codable` cost about twice `JSONSerialization` plus the conversion to `JSONValue`.)
enum ValueRangeBody {
    /// The fields of a `ValueRange`.
    static let fields: Set<String> = ["range", "majorDimension", "values"]

    static func parse(_ data: Data, urlRange: String) throws(GoogleError) -> ValueRangeInput {
        if data.isEmpty { return ValueRangeInput(range: nil, majorDimension: .rows, values: []) }
        guard let json = JSONValue.parse(data) else {
            throw GoogleError.invalidArgument("Invalid JSON payload received. Unexpected token.")
        }
        guard case .object(let object) = json else {
            throw GoogleError.invalidArgument("Invalid JSON payload received. Expected an object; got \(json.excerpt).")
        }
        if object.keys.contains(where: { !fields.contains($0) }),
           let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw GoogleError.invalidArgument("Invalid JSON payload received. Unknown name \"\(unknown)\": Cannot find field.")
        }
        return try parse(object, urlRange: urlRange, path: "data")
    }

    /// A `ValueRange` object already decoded; `path` names it in errors (`data`, `data[2]`).
    /// `urlRange` is the range in the URL that a `range` field must match, `nil` in a batch.
    static func parse(_ object: [String: JSONValue], urlRange: String?, path: String) throws(GoogleError) -> ValueRangeInput {
        // A field set to `null` is unset, as in Google's JSON mapping of protobuf.
        var input = ValueRangeInput(range: nil, majorDimension: .rows, values: [])
        if let range = object["range"], range != .null {
            guard let text = range.stringValue else {
                throw GoogleError.invalidArgument("Invalid value at '\(path).range' (TYPE_STRING), \(range.excerpt)", field: "\(path).range")
            }
            if let urlRange, A1Range.parse(text) != A1Range.parse(urlRange) {
                throw GoogleError.invalidArgument("Requested range [\(text)] does not match the range in the URL [\(urlRange)].")
            }
            input.range = text
        }
        if let dimension = object["majorDimension"], dimension != .null {
            guard let text = dimension.stringValue, let parsed = MajorDimension(rawValue: text) else {
                throw GoogleError.invalidArgument("Invalid value at '\(path).major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), \(dimension.excerpt)", field: "\(path).major_dimension")
            }
            input.majorDimension = parsed
        }
        if let values = object["values"], values != .null {
            guard case .array(let rows) = values else {
                throw GoogleError.invalidArgument("Invalid value at '\(path).values' (type.googleapis.com/google.protobuf.ListValue), \(values.excerpt)", field: "\(path).values")
            }
            input.values.reserveCapacity(rows.count)
            for (i, row) in rows.enumerated() {
                guard case .array(let cells) = row else {
                    throw GoogleError.invalidArgument("Invalid value at '\(path).values[\(i)]' (type.googleapis.com/google.protobuf.ListValue), \(row.excerpt)", field: "\(path).values[\(i)]")
                }
                input.values.append(cells)
            }
        }
        return input
    }
}
