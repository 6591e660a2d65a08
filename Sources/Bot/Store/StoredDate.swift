import Foundation

/// The dates the store can write and read back.
///
/// GRDB stores a `Date` as `yyyy-MM-dd HH:mm:ss.SSS` text in UTC, which has four digits for the
/// year: a date in year 10000 or later (a message `date` of 253402300800, or 2^63−1) is written
/// but can never be read again, and one before year 1 neither. Every date the bot stores is
/// checked against `range` first — at the edge, where an update with such a date becomes a dead
/// letter (`UpdateValidator`), and again in the store itself (`UpdateTransaction`), so that
/// whatever is stored can be read back.
public enum StoredDate {
    /// From 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.
    public static let range: ClosedRange<Date> =
        Date(timeIntervalSince1970: -62_135_596_800)...Date(timeIntervalSince1970: 253_402_300_799.999)

    /// Whether `date` can be stored and read back.
    public static func isStorable(_ date: Date) -> Bool {
        range.contains(date)
    }

    /// Whether a Bot API date (Unix seconds) can be stored and read back.
    public static func isStorable(unixTime seconds: Int64) -> Bool {
        isStorable(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// A date the store refused because it could not read it back.
struct UnstorableDate: Error, CustomStringConvertible {
    var date: Date

    var description: String {
        "the date \(date.timeIntervalSince1970) (Unix time) is outside the years 1 to 9999 the store can read back"
    }
}
