import MetroSupport

extension JSONValue {
    /// The integer as an `Int` (the fake Sheets' indices, sizes and times), or `nil`.
    var integer: Int? { intValue.map(Int.init) }

    /// An integer member built from an `Int`.
    static func integer(_ value: Int) -> JSONValue { .int(Int64(value)) }
}
