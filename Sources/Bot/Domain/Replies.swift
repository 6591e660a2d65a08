import Foundation
import MetroSupport

/// Every text the bot sends, in one place so that they stay short, friendly and consistent.
public enum Replies {
    /// `/start`.
    public static func greeting(firstName: String) -> String {
        "Hi \(firstName)! I record your check-ins at work sites. Tap Check in when you arrive and Check out when you leave."
    }

    /// `/help`.
    public static func help(ttl: Duration) -> String {
        """
        How it works: tap Check in (or send /checkin), then share your location within \(describe(ttl)). \
        Same for Check out (/checkout). /status shows your last check-in or check-out, /cancel drops a started one.
        """
    }

    /// `/checkin` or `/checkout`: the request for the location.
    public static func askLocation(_ action: AttendanceAction, ttl: Duration) -> String {
        "To \(action.verb), tap \(ButtonTitle.shareLocation) within \(describe(ttl))."
    }

    /// The confirmation, e.g. `Checked in at Madrid HQ (12 m).`
    public static func confirmation(_ action: AttendanceAction, _ resolution: LocationService.Resolution) -> String {
        let metres = Int(resolution.distanceMetres.rounded())
        if resolution.isInside {
            return "\(action.pastTense) at \(resolution.nearest.name) (\(metres) m)."
        }
        return "\(action.pastTense) outside any site (\(metres) m from \(resolution.nearest.name))."
    }

    /// A location whose pending action expired.
    public static func expired(_ action: AttendanceAction, ttl: Duration) -> String {
        "Your \(action.verb) request expired (it lasts \(describe(ttl))). Tap \(action == .checkIn ? ButtonTitle.checkIn : ButtonTitle.checkOut) to start again."
    }

    /// The notification answering a press on an inline button (at most 200 characters): the bot
    /// shows none, so the button belongs to an old message.
    public static let inactiveButton = "This button is no longer active. Use Check in, Check out or Status on the keyboard."

    /// A location without a pending action.
    public static let noPendingAction = "Thanks, but I wasn't expecting a location. Tap Check in or Check out first, then share it."

    /// A location with impossible coordinates.
    public static func invalidLocation(_ problem: GeoCoordinate.Problem) -> String {
        "That location isn't valid (\(problem)). Please share your location again."
    }

    /// `/cancel` with a live pending action.
    public static func cancelled(_ action: AttendanceAction) -> String {
        "Cancelled your \(action.verb). Nothing was recorded."
    }

    /// `/cancel` without one.
    public static let nothingToCancel = "Nothing to cancel."

    /// `/status`.
    public static func status(last: LastAction?, pending: PendingAction?) -> String {
        var text: String
        if let last {
            let site = last.site == "outside" ? "outside any site" : "at \(last.site)"
            text = "Last: \(last.action.pastTense.lowercased()) \(site), \(AttendanceRow.formatTimestamp(last.recordedAt))."
        } else {
            text = "You have no check-ins yet."
        }
        if let pending {
            text += " Waiting for your location to \(pending.action.verb)."
        }
        return text
    }

    /// Text that is no command.
    public static let unknownText = "Sorry, I didn't get that. Tap Check in or Check out, or send /help."

    /// A photo, sticker or other message without text or location.
    public static let unsupportedMessage = "I can only read commands and locations. Send /help to see what I do."

    /// An update the bot can never process (a dead letter), where it has a chat to answer in.
    public static let unprocessable = "Sorry, I couldn't process that message. Please try again, or send /help."

    /// A new check-in/out while the bot sheds load.
    public static let busy = "Sorry, I'm busy, try again in a minute."

    /// `30 minutes`, `1 hour`, `45 seconds`, `1h 30m` when it does not fit one unit.
    static func describe(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        func plural(_ n: Int, _ unit: String) -> String { "\(n) \(unit)\(n == 1 ? "" : "s")" }
        if seconds >= 3600, seconds % 3600 == 0 { return plural(seconds / 3600, "hour") }
        if seconds >= 60, seconds % 60 == 0 { return plural(seconds / 60, "minute") }
        if seconds >= 1 { return plural(seconds, "second") }
        return DurationText.format(duration)
    }
}
