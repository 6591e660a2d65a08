@testable import Bot
import FakeTelegram
import Foundation
import Testing
import MetroSupport

/// The dashboard in a real headless browser (Debian's chromium, which .ci/run installs): the
/// numbers the page shows are the ones the bot recorded.
/// Debian's chromium, if installed.
private let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

@Suite("Dashboard in a headless browser", .serialized, .enabled(if: chromium != nil))
struct DashboardBrowserTests {
    /// The page's DOM once its script has run, as chromium prints it.
    static func renderedDOM(of url: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium!)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--virtual-time-budget=4000", "--dump-dom", url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("today's counts by site, the dead letters and the mode are drawn from the bot's data, and no name without the token")
    func countsMatch() async throws {
        try await BotWorld.withBot { world in
            try await eventually("webhook mode") { try await world.health()["mode"] as? String == "webhook" }
            for (user, command) in [(Int64(1301), "/checkin"), (1302, "/checkin"), (1301, "/checkout")] {
                let before = try await world.sentTexts(to: user).count
                try await world.telegram.sendUserMessage(userID: user, text: command, firstName: "Walter\(user)")
                try await eventually("asked \(user) for the location") { try await world.sentTexts(to: user).count == before + 1 }
                try await world.telegram.sendLocation(userID: user, latitude: 40.4168, longitude: -3.7038)
                try await eventually("confirmed to \(user)") { try await world.sentTexts(to: user).count == before + 2 }
            }
            // A poison update: one dead letter.
            _ = try await world.telegram.injectUpdate(
                json: #"{"callback_query": {"id": "", "from": {"id": 1303, "is_bot": false, "first_name": "Poison"}, "data": "x"}}"#)
            try await eventually("the dead letter") {
                ((try await world.health()["dead_letters"] as? [String: Any])?["count"] as? Int) == 1
            }
            await world.services.journal.flush()

            let dom = try Self.renderedDOM(of: "http://127.0.0.1:\(world.botPort)/")
            #expect(dom.contains(#"data-loaded="true""#), "the script ran: \(dom.prefix(500))")
            #expect(dom.contains(#"<tr data-site="Madrid HQ"><td>Madrid HQ</td><td class="n in">2</td><td class="n out">1</td></tr>"#), "\(dom)")
            #expect(dom.contains(#"<span class="big" id="total-check-ins">2</span>"#))
            #expect(dom.contains(#"<span class="big" id="total-check-outs">1</span>"#))
            #expect(dom.contains(#"<span id="dead-letter-count">1</span>"#))
            #expect(dom.contains(#"data-mode="webhook""#), "the mode timeline has the webhook span")
            #expect(dom.contains("invalid_callback_query_id"))
            #expect(!dom.contains("Walter"), "no name without the admin token")
        }
    }
}
