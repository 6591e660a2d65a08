import Bot
import Foundation
import Testing

@Suite struct ConversationTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let user = User(id: 1001, firstName: "Ana", lastName: "Gil", username: "ana")
    static let conversation = Conversation(
        locationService: LocationService(sites: [Site(name: "Madrid HQ", latitude: 40.4168, longitude: -3.7038, radiusMetres: 150)]),
        pendingActionTTL: .seconds(1_800)
    )
    static let live = PendingAction(userID: 1001, action: .checkIn, createdAt: now.addingTimeInterval(-60), expiresAt: now.addingTimeInterval(1_740))
    static let liveCheckOut = PendingAction(userID: 1001, action: .checkOut, createdAt: now.addingTimeInterval(-60), expiresAt: now.addingTimeInterval(1_740))
    static let expired = PendingAction(userID: 1001, action: .checkIn, createdAt: now.addingTimeInterval(-1_900), expiresAt: now.addingTimeInterval(-100))
    static let last = LastAction(userID: 1001, action: .checkIn, site: "Madrid HQ", distanceMetres: 12, recordedAt: Date(timeIntervalSince1970: 1_799_990_000))

    enum Keyboard: Sendable { case main, requestLocation, none }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var state: ConversationState
        var event: ConversationInput.Event
        /// A fragment of the only reply, or nil for silence.
        var reply: String?
        var keyboard: Keyboard = .none
        /// The row's site cell, or nil for no row.
        var row: String? = nil
        /// The pending action after the step.
        var pendingAfter: AttendanceAction?
        var accepting = true
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "/start greets with the main keyboard", state: .init(), event: .command(.start), reply: "Hi Ana!", keyboard: .main, pendingAfter: nil),
        Case(label: "/help explains the TTL", state: .init(), event: .command(.help), reply: "within 30 minutes", keyboard: .main, pendingAfter: nil),
        Case(label: "/checkin opens a pending check-in and asks for the location", state: .init(), event: .command(.checkin), reply: "To check in, tap 📍 Share location within 30 minutes", keyboard: .requestLocation, pendingAfter: .checkIn),
        Case(label: "/checkout opens a pending check-out", state: .init(), event: .command(.checkout), reply: "To check out", keyboard: .requestLocation, pendingAfter: .checkOut),
        Case(label: "a new /checkout replaces a live check-in", state: .init(pending: live), event: .command(.checkout), reply: "To check out", keyboard: .requestLocation, pendingAfter: .checkOut),
        Case(label: "shedding refuses a new check-in", state: .init(), event: .command(.checkin), reply: "busy, try again in a minute", keyboard: .main, pendingAfter: nil, accepting: false),
        Case(label: "shedding keeps the existing pending action", state: .init(pending: live), event: .command(.checkout), reply: "busy", keyboard: .main, pendingAfter: .checkIn, accepting: false),
        Case(label: "a location inside the site checks in", state: .init(pending: live), event: .location(latitude: 40.4169, longitude: -3.7038), reply: "Checked in at Madrid HQ (11 m).", keyboard: .main, row: "Madrid HQ", pendingAfter: nil),
        Case(label: "a location checks out", state: .init(pending: liveCheckOut), event: .location(latitude: 40.4168, longitude: -3.7038), reply: "Checked out at Madrid HQ (0 m).", keyboard: .main, row: "Madrid HQ", pendingAfter: nil),
        Case(label: "a location outside every site records outside", state: .init(pending: live), event: .location(latitude: 40.5, longitude: -3.7038), reply: "Checked in outside any site (9251 m from Madrid HQ).", keyboard: .main, row: "outside", pendingAfter: nil),
        Case(label: "shedding still completes an open check-in", state: .init(pending: live), event: .location(latitude: 40.4168, longitude: -3.7038), reply: "Checked in at Madrid HQ", keyboard: .main, row: "Madrid HQ", pendingAfter: nil, accepting: false),
        Case(label: "an expired pending action says so and closes", state: .init(pending: expired), event: .location(latitude: 40.4168, longitude: -3.7038), reply: "expired (it lasts 30 minutes). Tap Check in to start again", keyboard: .main, pendingAfter: nil),
        Case(label: "a location without a pending action says how to check in", state: .init(), event: .location(latitude: 40.4168, longitude: -3.7038), reply: "Tap Check in or Check out first", keyboard: .main, pendingAfter: nil),
        Case(label: "NaN coordinates get a clear answer and no row", state: .init(pending: live), event: .location(latitude: .nan, longitude: 0), reply: "isn't valid (the latitude is not a number)", keyboard: .requestLocation, pendingAfter: .checkIn),
        Case(label: "out-of-range coordinates get a clear answer and no row", state: .init(pending: live), event: .location(latitude: 10, longitude: 200), reply: "the longitude 200.0 is not between -180 and 180", keyboard: .requestLocation, pendingAfter: .checkIn),
        Case(label: "/status without history", state: .init(), event: .command(.status), reply: "You have no check-ins yet.", keyboard: .main, pendingAfter: nil),
        Case(label: "/status shows the last action and a waiting one", state: .init(pending: live, lastAction: last), event: .command(.status), reply: "Last: checked in at Madrid HQ, 2027-01-15T05:13:20Z. Waiting for your location to check in.", keyboard: .main, pendingAfter: .checkIn),
        Case(label: "/cancel drops a live pending action", state: .init(pending: live), event: .command(.cancel), reply: "Cancelled your check in", keyboard: .main, pendingAfter: nil),
        Case(label: "/cancel with nothing pending", state: .init(), event: .command(.cancel), reply: "Nothing to cancel.", keyboard: .main, pendingAfter: nil),
        Case(label: "/cancel with an expired pending action removes it", state: .init(pending: expired), event: .command(.cancel), reply: "Nothing to cancel.", keyboard: .main, pendingAfter: nil),
        Case(label: "unknown text gets a short hint and keeps the pending action", state: .init(pending: live), event: .unknownText, reply: "didn't get that", keyboard: .main, pendingAfter: .checkIn),
        Case(label: "a photo gets a short answer", state: .init(), event: .unsupportedMessage, reply: "only read commands and locations", pendingAfter: nil),
        Case(label: "an edited message is silent", state: .init(pending: live), event: .editedMessage, reply: nil, pendingAfter: .checkIn),
        Case(label: "other updates are silent", state: .init(), event: .other, reply: nil, pendingAfter: nil),
    ]

    @Test("(state, input) → (reply, row, new state)", arguments: cases)
    func step(_ example: Case) throws {
        let input = ConversationInput(updateID: 77, user: Self.user, chatID: 1001, sentAt: Self.now.addingTimeInterval(-2), event: example.event)
        let step = Self.conversation.step(state: example.state, input: input, now: Self.now, acceptingNewPendingActions: example.accepting)

        if let reply = example.reply {
            #expect(step.replies.count == 1)
            let sent = try #require(step.replies.first)
            #expect(sent.chatID == 1001)
            #expect(sent.text.contains(reply), "\(sent.text)")
            switch example.keyboard {
            case .main: #expect(sent.replyMarkup == Keyboards.main)
            case .requestLocation: #expect(sent.replyMarkup == Keyboards.requestLocation)
            case .none: #expect(sent.replyMarkup == nil)
            }
        } else {
            #expect(step.replies.isEmpty)
        }

        let rows = step.effects.compactMap { if case .enqueueRow(let row) = $0 { row } else { nil } }
        if let site = example.row {
            let row = try #require(rows.first)
            #expect(rows.count == 1)
            #expect(row.updateID == 77)
            #expect(row.cells[0] == "2027-01-15T07:59:58Z")
            #expect(Array(row.cells[1...4]) == ["1001", "ana", "Ana Gil", example.state.pending?.action.rawValue ?? ""])
            #expect(row.cells[7] == site)
            #expect(row.cells[9] == "77")
            #expect(row.cells.count == AttendanceRow.header.count)
            #expect(step.effects.contains { if case .recordLastAction(let last) = $0 { last.site == site } else { false } })
        } else {
            #expect(rows.isEmpty)
        }
        #expect(Self.apply(step.effects, to: example.state).pending?.action == example.pendingAfter)
        #expect(step.callbackAnswer == nil, "only callback queries are answered")
    }

    @Test("a new pending action expires after the TTL")
    func pendingExpiry() throws {
        let input = ConversationInput(updateID: 1, user: Self.user, chatID: 1001, sentAt: Self.now, event: .command(.checkin))
        let step = Self.conversation.step(state: .init(), input: input, now: Self.now)
        guard case .openPendingAction(let pending) = try #require(step.effects.first) else {
            Issue.record("expected a pending action"); return
        }
        #expect(pending.expiresAt == Self.now.addingTimeInterval(1_800))
        #expect(pending.isLive(at: Self.now.addingTimeInterval(1_799)))
        #expect(!pending.isLive(at: Self.now.addingTimeInterval(1_800)))
    }

    @Test("updates without a user or a chat, or from bots, are silent")
    func noUser() {
        for input in [
            ConversationInput(updateID: 1, user: nil, chatID: 5, sentAt: nil, event: .command(.start)),
            ConversationInput(updateID: 1, user: Self.user, chatID: nil, sentAt: nil, event: .command(.start)),
            ConversationInput(updateID: 1, user: User(id: 9, isBot: true, firstName: "B"), chatID: 5, sentAt: nil, event: .command(.start)),
        ] {
            #expect(Self.conversation.step(state: .init(), input: input, now: Self.now) == .silence)
        }
    }

    @Test("commands and button texts are recognized", arguments: [
        ("/start", ChatCommand.start), ("/checkin", .checkin), ("/checkin@MetroBot", .checkin), ("/CHECKOUT now", .checkout),
        ("Check in", .checkin), ("check out", .checkout), ("Status", .status), ("Cancel", .cancel), ("/help", .help), ("/cancel", .cancel),
    ])
    func commands(text: String, command: ChatCommand) {
        #expect(ChatCommand(text: text) == command)
    }

    @Test("updates are classified by kind")
    func classification() {
        let chat = Chat(id: 1001)
        let message = Message(messageID: 1, date: 1_800_000_000, chat: chat, from: Self.user, text: "hello")
        #expect(ConversationInput(update: Update(updateID: 1, message: message)).event == .unknownText)
        var location = message
        location.text = nil
        location.location = Location(latitude: 1, longitude: 2)
        #expect(ConversationInput(update: Update(updateID: 2, message: location)).event == .location(latitude: 1, longitude: 2))
        var photo = message
        photo.text = nil
        #expect(ConversationInput(update: Update(updateID: 3, message: photo)).event == .unsupportedMessage)
        #expect(ConversationInput(update: Update(updateID: 4, editedMessage: message)).event == .editedMessage)
        let callback = ConversationInput(update: Update(updateID: 5, callbackQuery: CallbackQuery(id: "c", from: Self.user)))
        #expect(callback.event == .other)
        #expect(callback.callbackQueryID == "c")
        #expect(ConversationInput(update: Update(updateID: 6)).event == .other)
        #expect(ConversationInput(update: Update(updateID: 6)).callbackQueryID == nil)
        #expect(ConversationInput(update: Update(updateID: 1, message: message)).callbackQueryID == nil)
    }

    struct CallbackCase: Sendable, CustomTestStringConvertible {
        var label: String
        var state: ConversationState
        var chatID: Int64?
        var testDescription: String { label }
    }

    @Test("a callback query is answered once, whatever the state, and changes nothing else", arguments: [
        CallbackCase(label: "no pending action", state: .init(), chatID: 1001),
        CallbackCase(label: "a live pending action", state: .init(pending: live, lastAction: last), chatID: 1001),
        CallbackCase(label: "an expired pending action", state: .init(pending: expired), chatID: 1001),
        CallbackCase(label: "a button on an inline-mode message (no chat)", state: .init(pending: live), chatID: nil),
    ])
    func callbackAnswered(_ example: CallbackCase) {
        let input = ConversationInput(updateID: 88, user: Self.user, chatID: example.chatID, sentAt: nil, event: .other,
                                      callbackQueryID: "4242")
        let step = Self.conversation.step(state: example.state, input: input, now: Self.now)
        #expect(step.callbackAnswer == CallbackAnswer(callbackQueryID: "4242", text: Replies.inactiveButton))
        #expect(step.replies.isEmpty)
        #expect(step.effects.isEmpty)
        #expect(Replies.inactiveButton.utf16.count <= 200, "Telegram's limit for a callback notification")
    }

    static func apply(_ effects: [ConversationEffect], to state: ConversationState) -> ConversationState {
        var state = state
        for effect in effects {
            switch effect {
            case .openPendingAction(let pending): state.pending = pending
            case .closePendingAction: state.pending = nil
            case .recordLastAction(let last): state.lastAction = last
            case .enqueueRow: break
            }
        }
        return state
    }
}
