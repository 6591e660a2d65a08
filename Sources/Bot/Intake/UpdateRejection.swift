/// Why an update can never be processed: it becomes a dead letter (`DeadLetter`) with this reason.
///
/// `code` is a short, fixed label (the `reason` of `bot_dead_letters_total`); `detail` says what
/// exactly was wrong, for `/admin/dead-letters` and the log. Neither ever holds the user's text.
public struct UpdateRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of rejection.
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// Valid JSON with an `update_id`, whose content does not have the Bot API's shape.
        case undecodable
        /// An `update_id` the bot cannot confirm to Telegram (negative, or the largest integer).
        case invalidUpdateID = "invalid_update_id"
        /// A date the store cannot read back (before year 1 or after year 9999).
        case invalidDate = "invalid_date"
        /// A callback query id that is empty or longer than 256 characters.
        case invalidCallbackQueryID = "invalid_callback_query_id"
        /// A name longer than a sheet cell should hold.
        case fieldTooLong = "field_too_long"
        /// Stored in vain `POISON_UPDATE_ATTEMPTS` times, for a reason that looked transient.
        case keepsFailing = "keeps_failing"
    }

    /// The kind.
    public var code: Code
    /// What was wrong, naming the field.
    public var detail: String

    /// Creates a rejection.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}
