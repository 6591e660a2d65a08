import MetroSupport

/// The control operations with the bot resolved (`nil` = the first registered bot).
extension FakeTelegramState {
    func injectMessageChecked(bot: Int64?, userID: Int64, text: String, firstName: String?, username: String?) throws(FakeTelegramError) -> InjectedUpdate {
        try injectMessage(botID: try resolveBot(bot), userID: userID, text: text, firstName: firstName, username: username)
    }

    func injectLocationChecked(bot: Int64?, userID: Int64, latitude: Double, longitude: Double) throws(FakeTelegramError) -> InjectedUpdate {
        try injectLocation(botID: try resolveBot(bot), userID: userID, latitude: latitude, longitude: longitude)
    }

    func injectCallbackChecked(bot: Int64?, userID: Int64, data: String, messageID: Int64?) throws(FakeTelegramError) -> InjectedUpdate {
        try injectCallback(botID: try resolveBot(bot), userID: userID, data: data, messageID: messageID)
    }

    func injectRawChecked(bot: Int64?, update: JSONValue) throws(FakeTelegramError) -> InjectedUpdate {
        try injectRaw(botID: try resolveBot(bot), update: update)
    }

    func transcriptChecked(bot: Int64?, chatID: Int64) throws(FakeTelegramError) -> [ChatMessage] {
        transcript(botID: try resolveBot(bot), chatID: chatID)
    }

    func callsChecked(bot: Int64?, method: String?) throws(FakeTelegramError) -> [TelegramCall] {
        calls(botID: try resolveBot(bot), method: method)
    }

    func updateStatusChecked(bot: Int64?, updateID: Int64) throws(FakeTelegramError) -> UpdateStatus? {
        updateStatus(botID: try resolveBot(bot), updateID: updateID)
    }

    func addFaultChecked(_ rule: TelegramFaultRule, bot: Int64?) throws(FakeTelegramError) -> String {
        try addFault(rule, botID: try resolveBot(bot))
    }

    func removeFaultsChecked(bot: Int64?, id: String?) throws(FakeTelegramError) -> Bool {
        removeFaults(botID: try resolveBot(bot), id: id)
    }

    func setOutageChecked(bot: Int64?, down: Bool) throws(FakeTelegramError) {
        setOutage(botID: try resolveBot(bot), down: down)
    }

    func hasOpenLongPollChecked(bot: Int64?) throws(FakeTelegramError) -> Bool {
        bots[try resolveBot(bot)]?.activePoll != nil
    }
}
