import Bot
import FakeTelegram
import Foundation
import Testing
import MetroSupport

/// Presses on inline buttons, through the whole bot against the fake Telegram: the user's client
/// shows a progress indicator on the button until the bot calls `answerCallbackQuery`.
@Suite struct CallbackQueryTests {
    @Test("a press on an inline button is answered once and the chat stays silent", arguments: [true, false])
    func pressIsAnswered(webhook: Bool) async throws {
        try await BotWorld.withBot(webhook: webhook) { world in
            try await world.telegram.sendUserMessage(userID: 1001, text: "/start", firstName: "Ana")
            try await eventually("the greeting") { try await world.sentTexts(to: 1001).count == 1 }

            let press = try await world.telegram.sendCallback(userID: 1001, data: "checkin")
            let queryID = try #require(press.callbackQueryID)
            let answers = { @Sendable in
                try await world.telegram.calls(method: "answerCallbackQuery")
                    .filter { $0.params["callback_query_id"]?.stringValue == queryID }
            }
            try await eventually("the press answered") { try await answers().contains { $0.status == 200 } }
            try await eventually("the update confirmed") {
                try await world.telegram.updateState(updateID: press.updateID).map { "\($0)" }?.contains("confirmed") == true
            }
            try await eventually("nothing left to send") {
                let messages = try await world.services.database.queuedMessageCount()
                let answers = try await world.services.database.queuedCallbackAnswerCount()
                return messages == 0 && answers == 0
            }
            #expect(try await answers().count == 1)
            #expect(try await answers().first?.params["text"]?.stringValue == Replies.inactiveButton)
            #expect(try await world.sentTexts(to: 1001).count == 1, "no message for a press")
        }
    }
}
