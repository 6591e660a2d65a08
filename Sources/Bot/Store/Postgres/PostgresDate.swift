import Foundation
import GRDB

/// Dates on their way into and out of the PostgreSQL store.
///
/// The columns are `timestamptz`, but a date crosses the wire as GRDB's date text
/// (`yyyy-MM-dd HH:mm:ss.SSS`, UTC): written as that text (cast by the query), read back through
/// `metro_stored_date(…)` as the same text and parsed by GRDB. Both stores therefore keep
/// milliseconds, truncated the same way, and hand back bit-identical `Date`s — a test that
/// passes on SQLite passes on PostgreSQL, and a value moved between the two does not drift.
enum PostgresDate {
    /// `date` as the text the query casts to `timestamptz` (UTC).
    /// - Throws: `UnstorableDate` for a date outside `StoredDate.range`.
    static func text(_ date: Date) throws -> String {
        guard StoredDate.isStorable(date) else { throw UnstorableDate(date: date) }
        return text(unchecked: date)
    }

    /// `date` clamped into `StoredDate.range`, as text: for the bounds of a read (`.distantFuture`).
    static func bound(_ date: Date) -> String {
        text(unchecked: min(max(date, StoredDate.range.lowerBound), StoredDate.range.upperBound))
    }

    private static func text(unchecked date: Date) -> String {
        guard case .string(let text) = date.databaseValue.storage else { preconditionFailure("GRDB stores dates as text") }
        return text + "+00"
    }

    /// `date` as it reads back once stored (truncated to milliseconds).
    /// - Throws: `UnstorableDate` for a date outside `StoredDate.range`.
    static func stored(_ date: Date) throws -> Date {
        guard StoredDate.isStorable(date), let stored = Date.fromDatabaseValue(date.databaseValue) else {
            throw UnstorableDate(date: date)
        }
        return stored
    }

    /// The `Date` of a `metro_stored_date(…)` column.
    static func date(_ text: String) throws -> Date {
        guard let date = Date.fromDatabaseValue(text.databaseValue) else { throw PostgresStoreError.unreadableDate(text) }
        return date
    }

    /// The `Date` of a nullable `metro_stored_date(…)` column.
    static func date(_ text: String?) throws -> Date? {
        try text.map { try date($0) }
    }
}
