/// The rules an update must meet before the intake stores it: every field the bot stores must be
/// one the store can hold and read back, and every id one it can use again.
///
/// An update that breaks a rule can never succeed, however often Telegram delivers it, so it is
/// not an error to retry but a dead letter: answered 200, recorded with its reason, and the user
/// told. Before these rules, a callback query with an empty id broke a CHECK constraint on every
/// delivery (500 forever), and a message dated in year 10000 was stored and then made every later
/// update of that user fail.
public enum UpdateValidator {
    /// Telegram allows 64 characters in a first or last name and 32 in a username; these bounds
    /// leave room for that to grow while keeping a row's cells far below Sheets' 50,000
    /// characters, so one user's name can never make an append fail for everyone queued after it.
    public static let maximumNameLength = 256
    /// See `maximumNameLength`.
    public static let maximumUsernameLength = 64
    /// The bounds of `callback_answers.callback_query_id` (Telegram's ids are short).
    public static let callbackQueryIDLength = 1...256

    /// The first rule `update` breaks, or `nil` when it may be stored.
    public static func rejection(of update: Update) -> UpdateRejection? {
        // The poller confirms an update by asking for `update_id + 1`.
        guard update.updateID >= 0, update.updateID < Int64.max else {
            return UpdateRejection(.invalidUpdateID, "update_id \(update.updateID) is not between 0 and \(Int64.max - 1)")
        }
        let messages: [(field: String, message: Message?)] = [
            ("message", update.message), ("edited_message", update.editedMessage),
            ("callback_query.message", update.callbackQuery?.message),
        ]
        for case let (field, message?) in messages {
            if let problem = rejection(of: message, field: field) { return problem }
        }
        if let query = update.callbackQuery {
            let length = query.id.unicodeScalars.count
            guard callbackQueryIDLength.contains(length) else {
                return UpdateRejection(.invalidCallbackQueryID,
                                       "callback_query.id has \(length) characters, not \(callbackQueryIDLength.lowerBound) to \(callbackQueryIDLength.upperBound)")
            }
            if let problem = rejection(of: query.from, field: "callback_query.from") { return problem }
        }
        return nil
    }

    private static func rejection(of message: Message, field: String) -> UpdateRejection? {
        guard StoredDate.isStorable(unixTime: message.date) else {
            return UpdateRejection(.invalidDate, "\(field).date \(message.date) is not a Unix time between the years 1 and 9999")
        }
        if let user = message.from { return rejection(of: user, field: "\(field).from") }
        return nil
    }

    private static func rejection(of user: User, field: String) -> UpdateRejection? {
        let names: [(String, String?, Int)] = [
            ("first_name", user.firstName, maximumNameLength), ("last_name", user.lastName, maximumNameLength),
            ("username", user.username, maximumUsernameLength),
        ]
        for case let (name, value?, limit) in names where value.count > limit {
            return UpdateRejection(.fieldTooLong, "\(field).\(name) has \(value.count) characters, more than \(limit)")
        }
        return nil
    }
}
