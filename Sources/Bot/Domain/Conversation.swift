import Foundation

/// The check-in conversation as a pure decision: `(state, input, now) → (effects, replies)`.
///
/// It reads nothing and writes nothing itself; `UpdateIntake` loads the state and applies the
/// step in one transaction, which keeps every rule of DESIGN.md's "Conversation" testable as a
/// table.
public struct Conversation: Sendable {
    /// Resolves locations to sites.
    public var locationService: LocationService
    /// How long a pending action waits for the location (`PENDING_ACTION_TTL`).
    public var pendingActionTTL: Duration

    /// Creates the conversation.
    public init(locationService: LocationService, pendingActionTTL: Duration) {
        self.locationService = locationService
        self.pendingActionTTL = pendingActionTTL
    }

    /// Decides what `input` does given the user's `state` at `now`.
    /// - Parameter acceptingNewPendingActions: `false` while the bot sheds load (the resource
    ///   monitor finds memory critical): `/checkin` and `/checkout` are refused with "busy, try
    ///   again in a minute" and no pending action is opened. Locations for pending actions already
    ///   open are still handled.
    ///
    /// A callback query (a press on an inline button, which the bot itself never sends) gets a
    /// `callbackAnswer` saying the button is no longer active, whatever the user's state, so that
    /// the user's client stops its progress indicator; the chat stays silent.
    public func step(state: ConversationState, input: ConversationInput, now: Date,
                     acceptingNewPendingActions: Bool = true) -> ConversationStep {
        var step = decide(state: state, input: input, now: now, acceptingNewPendingActions: acceptingNewPendingActions)
        if let callbackQueryID = input.callbackQueryID {
            step.callbackAnswer = CallbackAnswer(callbackQueryID: callbackQueryID, text: Replies.inactiveButton)
        }
        return step
    }

    private func decide(state: ConversationState, input: ConversationInput, now: Date,
                        acceptingNewPendingActions: Bool) -> ConversationStep {
        guard let user = input.user, !user.isBot, let chatID = input.chatID else { return .silence }
        func reply(_ text: String, _ markup: ReplyMarkup? = nil) -> OutgoingReply {
            OutgoingReply(chatID: chatID, text: text, replyMarkup: markup)
        }
        switch input.event {
        case .editedMessage, .other:
            return .silence
        case .unknownText:
            return ConversationStep(replies: [reply(Replies.unknownText, Keyboards.main)])
        case .unsupportedMessage:
            return ConversationStep(replies: [reply(Replies.unsupportedMessage)])
        case .command(.start):
            return ConversationStep(replies: [reply(Replies.greeting(firstName: user.firstName), Keyboards.main)])
        case .command(.help):
            return ConversationStep(replies: [reply(Replies.help(ttl: pendingActionTTL), Keyboards.main)])
        case .command(.checkin), .command(.checkout):
            let action: AttendanceAction = input.event == .command(.checkin) ? .checkIn : .checkOut
            guard acceptingNewPendingActions else {
                return ConversationStep(replies: [reply(Replies.busy, Keyboards.main)], outcome: .shed)
            }
            let pending = PendingAction(userID: user.id, action: action, createdAt: now,
                                        expiresAt: now.addingTimeInterval(pendingActionTTL.timeInterval))
            return ConversationStep(effects: [.openPendingAction(pending)],
                                    replies: [reply(Replies.askLocation(action, ttl: pendingActionTTL), Keyboards.requestLocation)],
                                    outcome: .pendingActionOpened)
        case .command(.cancel):
            guard let pending = state.pending, pending.isLive(at: now) else {
                let effects: [ConversationEffect] = state.pending == nil ? [] : [.closePendingAction(userID: user.id)]
                return ConversationStep(effects: effects, replies: [reply(Replies.nothingToCancel, Keyboards.main)])
            }
            return ConversationStep(effects: [.closePendingAction(userID: user.id)],
                                    replies: [reply(Replies.cancelled(pending.action), Keyboards.main)])
        case .command(.status):
            let live = state.pending.flatMap { $0.isLive(at: now) ? $0 : nil }
            return ConversationStep(replies: [reply(Replies.status(last: state.lastAction, pending: live), Keyboards.main)])
        case .location(let latitude, let longitude):
            guard let pending = state.pending else {
                if let expired = state.expired {
                    // The cleanup job got there first; the user still hears why nothing was recorded.
                    return ConversationStep(effects: [.closePendingAction(userID: user.id)],
                                            replies: [reply(Replies.expired(expired.action, ttl: pendingActionTTL), Keyboards.main)])
                }
                return ConversationStep(replies: [reply(Replies.noPendingAction, Keyboards.main)])
            }
            guard pending.isLive(at: now) else {
                return ConversationStep(effects: [.closePendingAction(userID: user.id)],
                                        replies: [reply(Replies.expired(pending.action, ttl: pendingActionTTL), Keyboards.main)])
            }
            let resolution: LocationService.Resolution
            do {
                resolution = try locationService.resolve(latitude: latitude, longitude: longitude)
            } catch {
                return ConversationStep(replies: [reply(Replies.invalidLocation(error), Keyboards.requestLocation)])
            }
            let sentAt = input.sentAt ?? now
            let row = AttendanceRow(updateID: input.updateID, timestamp: sentAt, user: user, action: pending.action,
                                    latitude: latitude, longitude: longitude, site: resolution.siteCell,
                                    distanceMetres: resolution.distanceMetres)
            let last = LastAction(userID: user.id, action: pending.action, site: resolution.siteCell,
                                  distanceMetres: resolution.distanceMetres, recordedAt: sentAt)
            return ConversationStep(
                effects: [.closePendingAction(userID: user.id), .enqueueRow(row), .recordLastAction(last)],
                replies: [reply(Replies.confirmation(pending.action, resolution), Keyboards.main)],
                outcome: .rowQueued
            )
        }
    }
}

extension Duration {
    /// The duration in seconds as a `TimeInterval`.
    var timeInterval: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
