import FakeTelegram
import Foundation
import NIOHTTP1
import Testing

/// The bodies that crashed Foundation's parser (and with it the whole `chaos` process), sent to
/// every JSON entry point of the fake Telegram: each answers its normal 400 and the fake stays up.
@Suite struct DeepJSONTests {
    static let bodies = [String(repeating: "[", count: 513), #"{"a":"# + String(repeating: "[", count: 512)]

    @Test("Bot API methods, the control routes and the fault route answer 400 to 513 nested brackets", arguments: [
        "sendMessage", "setWebhook", "getUpdates", "/control/faults", "/control/updates", "/control/users/1/messages",
        "/control/users/1/locations", "/control/users/1/callbacks",
    ])
    func entryPoint(route: String) async throws {
        try await withFake { _, bot, client in
            for body in Self.bodies {
                let path = route.hasPrefix("/") ? route : "/bot\(bot.token)/\(route)"
                let answer = try await client.raw(.POST, path, body: Data(body.utf8), contentType: "application/json")
                #expect(answer.status == 400, "\(route): \(answer.status)")
            }
            #expect(try await client.call(bot.token, "getMe").status == 200, "the fake is still up")
        }
    }
}
