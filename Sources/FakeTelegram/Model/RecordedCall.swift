import Foundation
import MetroSupport

/// One Bot API call as the fake Telegram's journal recorded it: the shared ``RecordedCall`` with
/// the method and its parameters (`call.method`, `call.params`). A call a fault answered carries
/// the fault's id; one the fake never answered (a `timeout` or `reset` fault) has no status.
public typealias TelegramCall = RecordedCall<TelegramCallDetails>

/// What the fake Telegram records of a Bot API call.
public struct TelegramCallDetails: CallDetails {
    /// The method, spelled as the Bot API documents it when known (`sendMessage`), else as called.
    public var method: String
    /// The parameters as received: a JSON body's object, or the form/query fields as strings.
    public var params: JSONValue

    /// Creates the details.
    public init(method: String, params: JSONValue) {
        self.method = method
        self.params = params
    }

    /// The method.
    public var name: String { method }

    public var jsonMembers: [String: JSONValue] { ["method": .string(method), "params": params] }
}
