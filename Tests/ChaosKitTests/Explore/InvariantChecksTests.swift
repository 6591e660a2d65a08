import ChaosKit
import Testing

/// Each invariant's check on evidence that holds, then on the same evidence with one planted violation.
@Suite struct InvariantChecksTests {
    static let user: Int64 = 5001
    static let secret = "123456:bot-token-that-must-not-leak"

    /// `/checkin`, a location (row), `/checkout`, a location (row), one SIGTERM restart between them.
    static let schedule = Schedule(seed: 1, index: 0, mode: .webhook, users: [ScenarioUser(id: user)], events: [
        .send(user: user, payload: .text("/checkin"), flow: 0),
        .send(user: user, payload: .location(latitude: 40.4168, longitude: -3.7038), flow: 0),
        .restart(.term),
        .send(user: user, payload: .text("/checkout"), flow: 1),
        .send(user: user, payload: .location(latitude: 40.4066, longitude: -3.6892), flow: 1),
        .raw(json: #"{"callback_query": {"id": "", "data": "x"}}"#, poison: true),
    ])

    static func row(_ update: Int64, _ action: String, user: Int64 = user) -> [String] {
        ["2026-12-04T10:00:00Z", String(user), "user1", "User1", action, "40.4168", "-3.7038", "Sol", "0", String(update)]
    }

    /// Evidence on which every invariant holds.
    static var healthy: ExploreEvidence {
        ExploreEvidence(
            schedule: schedule, updateIDs: [11, 12, 13, 14, 15],
            updateStates: [11: "confirmed", 12: "confirmed", 13: "confirmed", 14: "confirmed", 15: "confirmed"],
            rows: [row(12, "check_in"), row(14, "check_out")],
            chats: [user: ["To check in, tap Share location.", "Checked in at Sol (0 m).", "To check out, tap Share location.", "Checked out at Atocha (3 m)."]],
            healthJSON: #"{"status": "ok", "outbox": {"queued": 0}, "memory": {"percent": 31.5, "rss_bytes": 40000000, "limit_bytes": 128000000}}"#,
            botRuns: [ExploreEvidence.BotRun(signals: [(name: "TERM", at: 3.0)], exitCode: 0, exitedAt: 4.2),
                      ExploreEvidence.BotRun(signals: [], exitCode: nil, exitedAt: nil)],
            logLines: ["level=info update_id=12 mode=webhook msg=\"row queued\""], secrets: [secret],
            telegramJournal: [#"2026-12-04T10:00:01.000Z delivery → 200 {"update_id":12}"#], sheetsJournal: ["2026-12-04T10:00:01.100Z append → 200"])
    }

    static func broken(_ evidence: ExploreEvidence) -> Set<Invariant> { Set(InvariantChecks.all(evidence).map(\.invariant)) }

    @Test("on a settled, healthy run every invariant holds")
    func healthyHolds() {
        #expect(InvariantChecks.all(Self.healthy).isEmpty, "\(InvariantChecks.all(Self.healthy))")
    }

    @Test("a lost row is named with its update id and evidence from the log, both journals and the sheet")
    func lostRow() throws {
        var evidence = Self.healthy
        evidence.rows = [Self.row(14, "check_out")]
        let violations = InvariantChecks.lostRows(evidence)
        let violation = try #require(violations.first)
        #expect(violation.invariant == .lostRow)
        #expect(violation.updateIDs == [12])
        #expect(violation.evidence.contains { $0.hasPrefix("bot log:") && $0.contains("update_id=12") })
        #expect(violation.evidence.contains { $0.hasPrefix("telegram:") })
        #expect(violation.evidence.contains { $0.hasPrefix("sheets:") })
        #expect(Self.broken(evidence) == [.lostRow])
    }

    @Test("an unacknowledged location is not a lost row but an update left behind")
    func unacknowledged() {
        var evidence = Self.healthy
        evidence.rows = [Self.row(14, "check_out")]
        evidence.updateStates[12] = "delivered"
        #expect(Self.broken(evidence) == [.updateLeft])
    }

    @Test("a doubled row and an invented one (no flow, or the wrong action) are caught")
    func extraRows() {
        var doubled = Self.healthy
        doubled.rows.append(Self.row(14, "check_out"))
        #expect(InvariantChecks.extraRows(doubled).map(\.updateIDs) == [[14]])
        var invented = Self.healthy
        invented.rows.insert(Self.row(11, "check_in"), at: 0)
        #expect(InvariantChecks.extraRows(invented).first?.updateIDs == [11])
        var wrongAction = Self.healthy
        wrongAction.rows[1] = Self.row(14, "check_in")
        #expect(Self.broken(wrongAction).contains(.extraRow))
    }

    @Test("a user's rows out of order are caught")
    func order() {
        var evidence = Self.healthy
        evidence.rows.reverse()
        let violation = InvariantChecks.rowOrder(evidence).first
        #expect(violation?.updateIDs == [14, 12])
        #expect(Self.broken(evidence) == [.rowOrder])
    }

    @Test("a row without its confirmation in the chat is caught")
    func unconfirmed() {
        var evidence = Self.healthy
        evidence.chats[Self.user]?.removeLast()
        #expect(InvariantChecks.unconfirmedRows(evidence).map(\.updateIDs) == [[14]])
        #expect(Self.broken(evidence) == [.unconfirmedRow])
    }

    @Test("an update neither confirmed nor dead-lettered is caught; a dead letter settles it")
    func updatesLeft() {
        var evidence = Self.healthy
        evidence.updateStates[15] = "delivered"
        #expect(InvariantChecks.updatesLeft(evidence).first?.updateIDs == [15])
        evidence.deadLetters = [15: "callback query without an id"]
        #expect(InvariantChecks.updatesLeft(evidence).isEmpty)
    }

    @Test("an update posted to the webhook and answered 5xx is left behind; a 200 or a 4xx settles it")
    func webhookPosts() {
        var evidence = Self.healthy
        evidence.webhookPosts = [200, 400]
        #expect(InvariantChecks.updatesLeft(evidence).isEmpty)
        evidence.webhookPosts = [200, 500]
        let violation = InvariantChecks.updatesLeft(evidence).first
        #expect(violation?.message.contains("answered 500") == true)
        #expect(violation?.updateIDs == [2])
    }

    @Test("a SIGTERM that exits non-zero or after the grace is caught; a forced exit after a second signal is not judged")
    func sigterm() {
        var failing = Self.healthy
        failing.botRuns[0].exitCode = 1
        #expect(Self.broken(failing) == [.sigtermExit])
        var slow = Self.healthy
        slow.botRuns[0].exitedAt = 3.0 + 7.5
        #expect(InvariantChecks.sigtermExits(slow).first?.message.contains("after 7.50s") == true)
        var forced = Self.healthy
        forced.botRuns[0] = ExploreEvidence.BotRun(signals: [(name: "TERM", at: 3.0), (name: "TERM", at: 3.3)], exitCode: 1, exitedAt: 3.4)
        #expect(InvariantChecks.sigtermExits(forced).isEmpty)
    }

    @Test("health must be ok; degraded passes only for dead letters the schedule planted")
    func health() {
        var degraded = Self.healthy
        degraded.healthJSON = #"{"status": "degraded", "outbox": {"queued": 0}, "memory": {"percent": 31.5}, "dead_letters": {"count": 1}}"#
        #expect(Self.broken(degraded) == [.health])
        degraded.deadLetters = [15: "callback query without an id"]
        #expect(InvariantChecks.health(degraded).isEmpty)
        degraded.deadLetters = [13: "an ordinary update"]
        #expect(InvariantChecks.health(degraded).first?.updateIDs == [13])
        var silent = Self.healthy
        silent.healthJSON = nil
        #expect(Self.broken(silent) == [.health])
    }

    @Test("a secret in a log line is caught and redacted in the evidence")
    func secrets() throws {
        var evidence = Self.healthy
        evidence.logLines.append("level=debug url=https://api.telegram.org/bot\(Self.secret)/getMe")
        let violation = try #require(InvariantChecks.secretsInLog(evidence).first)
        #expect(violation.evidence.allSatisfy { !$0.contains(Self.secret) })
        #expect(violation.evidence.first?.contains("<redacted>") == true)
    }

    @Test("memory still at or above the warning percentage at the end is caught")
    func memory() {
        var evidence = Self.healthy
        evidence.healthJSON = #"{"status": "ok", "outbox": {"queued": 0}, "memory": {"percent": 93.0}}"#
        #expect(Self.broken(evidence) == [.memory])
    }

    @Test("a flow the bot refused as busy under a memory limit is optional: its row may be missing but not doubled")
    func busyIsOptional() {
        let user = Self.user
        var evidence = Self.healthy
        evidence.schedule.events.insert(.memoryLimit(128 << 20), at: 0)
        evidence.rows = [Self.row(14, "check_out")]
        evidence.chats[user] = ["Sorry, I'm busy, try again in a minute.", "Thanks, but I wasn't expecting a location.", "To check out, tap Share location.", "Checked out at Atocha (3 m)."]
        #expect(InvariantChecks.all(evidence).isEmpty, "\(InvariantChecks.all(evidence))")
    }
}
