import Foundation
import MetroSupport

/// The bodies of `values.clear` (`ClearValuesRequest`, empty), `values.batchClear`
/// (`BatchClearValuesRequest`) and `values.batchUpdate` (`BatchUpdateValuesRequest`), checked
/// field by field with Google's messages.
enum ValueBatchBodies {
    /// The body as a JSON object with only `known` fields (`[:]` for an empty body).
    static func object(_ data: Data, known: Set<String>) throws(GoogleError) -> [String: JSONValue] {
        if data.isEmpty { return [:] }
        guard let json = JSONValue.parse(data) else {
            throw GoogleError.invalidArgument("Invalid JSON payload received. Unexpected token.")
        }
        guard case .object(let object) = json else {
            throw GoogleError.invalidArgument("Invalid JSON payload received. Expected an object; got \(json.excerpt).")
        }
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw GoogleError.invalidArgument("Invalid JSON payload received. Unknown name \"\(unknown)\": Cannot find field.")
        }
        return object
    }

    /// The `ranges` of a `values.batchClear`.
    static func batchClear(_ data: Data) throws(GoogleError) -> [String] {
        let body = try object(data, known: ["ranges"])
        guard let value = body["ranges"], value != .null else { return [] }
        guard case .array(let items) = value else {
            throw GoogleError.invalidArgument("Invalid value at 'ranges' (TYPE_STRING), \(value.excerpt)", field: "ranges")
        }
        var ranges: [String] = []
        for (i, item) in items.enumerated() {
            guard let text = item.stringValue else {
                throw GoogleError.invalidArgument("Invalid value at 'ranges[\(i)]' (TYPE_STRING), \(item.excerpt)", field: "ranges[\(i)]")
            }
            ranges.append(text)
        }
        return ranges
    }

    /// The value ranges and options of a `values.batchUpdate`; a missing `valueInputOption` is
    /// Google's "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED".
    static func batchUpdate(_ data: Data) throws(GoogleError) -> (data: [ValueRangeInput], options: WriteOptions) {
        let body = try object(data, known: ["valueInputOption", "data", "includeValuesInResponse", "responseValueRenderOption",
                                            "responseDateTimeRenderOption"])
        guard let inputOption = try enumeration(body["valueInputOption"], ValueInputOption.self, proto: "value_input_option", type: "ValueInputOption") else {
            throw GoogleError.invalidArgument("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
        }
        var options = WriteOptions(valueInputOption: inputOption)
        if let include = body["includeValuesInResponse"], include != .null {
            guard case .bool(let flag) = include else {
                throw GoogleError.invalidArgument("Invalid value at 'include_values_in_response' (TYPE_BOOL), \(include.excerpt)", field: "include_values_in_response")
            }
            options.includeValuesInResponse = flag
        }
        options.responseValueRenderOption = try enumeration(body["responseValueRenderOption"], ValueRenderOption.self,
                                                            proto: "response_value_render_option", type: "ValueRenderOption") ?? .formattedValue
        var ranges: [ValueRangeInput] = []
        if let value = body["data"], value != .null {
            guard case .array(let items) = value else {
                throw GoogleError.invalidArgument("Invalid value at 'data' (type.googleapis.com/google.apps.sheets.v4.ValueRange), \(value.excerpt)", field: "data")
            }
            for (i, item) in items.enumerated() {
                guard case .object(let fields) = item else {
                    throw GoogleError.invalidArgument("Invalid value at 'data[\(i)]' (type.googleapis.com/google.apps.sheets.v4.ValueRange), \(item.excerpt)", field: "data[\(i)]")
                }
                if let unknown = fields.keys.sorted().first(where: { !ValueRangeBody.fields.contains($0) }) {
                    throw GoogleError.invalidArgument("Invalid JSON payload received. Unknown name \"\(unknown)\" at 'data[\(i)]': Cannot find field.", field: "data[\(i)]")
                }
                ranges.append(try ValueRangeBody.parse(fields, urlRange: nil, path: "data[\(i)]"))
            }
        }
        return (ranges, options)
    }

    private static func enumeration<E: RawRepresentable>(_ value: JSONValue?, _ type: E.Type, proto: String,
                                                         type name: String) throws(GoogleError) -> E? where E.RawValue == String {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue, let parsed = E(rawValue: text) else {
            throw GoogleError.invalidArgument("Invalid value at '\(proto)' (type.googleapis.com/google.apps.sheets.v4.\(name)), \(value.excerpt)", field: proto)
        }
        return parsed
    }
}
