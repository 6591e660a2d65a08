/// The reply keyboards the bot shows.
public enum Keyboards {
    /// *Check in*, *Check out* / *Status*: shown by `/start` and after each completed step.
    public static let main = ReplyMarkup.keyboard(ReplyKeyboard(keyboard: [
        [KeyboardButton(text: ButtonTitle.checkIn), KeyboardButton(text: ButtonTitle.checkOut)],
        [KeyboardButton(text: ButtonTitle.status)],
    ]))

    /// A `request_location` button and *Cancel*: shown while a pending action waits.
    public static let requestLocation = ReplyMarkup.keyboard(ReplyKeyboard(keyboard: [
        [KeyboardButton(text: ButtonTitle.shareLocation, requestLocation: true)],
        [KeyboardButton(text: ButtonTitle.cancel)],
    ], oneTimeKeyboard: true))
}
