import MetroSupport

/// Draws fault schedules from a seed: the same run seed and index always give the same
/// ``Schedule``, whatever `--jobs` or `--only` are, because each schedule has a generator of its
/// own seeded from both (``SeededGenerator``, SplitMix64).
public struct ScheduleGenerator: Sendable {
    /// Which modes schedules run the bot in.
    public enum ModeChoice: String, Sendable, CaseIterable {
        /// Every schedule in webhook mode.
        case webhook
        /// Every schedule in polling mode.
        case polling
        /// Even indices webhook, odd indices polling.
        case both
    }

    /// How big schedules are and what they may contain.
    public struct Shape: Sendable, Equatable {
        /// How many users a schedule has. Defaults to 1…3.
        public var users: ClosedRange<Int> = 1...3
        /// How many flows (attempts at a check-in or check-out, and stray messages) each user makes. Defaults to 1…3.
        public var flowsPerUser: ClosedRange<Int> = 1...3
        /// How many fault rules a schedule installs. Defaults to 0…4.
        public var faults: ClosedRange<Int> = 0...4
        /// How many process events (restarts, SIGKILL, a second signal, a memory limit). Defaults to 0…2.
        public var processEvents: ClosedRange<Int> = 0...2
        /// How many adversarial or unknown-kind raw updates. Defaults to 0…2.
        public var rawUpdates: ClosedRange<Int> = 0...2
        /// Whether raw updates may be poison (an update the bot can never process and must
        /// dead-letter). Defaults to true; `--no-poison` turns it off for a bot without dead letters.
        public var poison = true

        /// Creates the default shape.
        public init() {}

        /// Small schedules: one or two users, one or two flows each, at most two faults, one
        /// process event — quick to run, and what the planted-defect test searches with.
        public static var small: Shape {
            var shape = Shape()
            shape.users = 1...2
            shape.flowsPerUser = 1...2
            shape.faults = 0...2
            shape.processEvents = 1...1
            shape.rawUpdates = 0...1
            return shape
        }
    }

    /// The run seed.
    public var seed: UInt64
    /// Which modes to use.
    public var mode: ModeChoice
    /// Sizes and vocabulary.
    public var shape: Shape

    /// Creates a generator.
    public init(seed: UInt64, mode: ModeChoice = .both, shape: Shape = Shape()) {
        self.seed = seed
        self.mode = mode
        self.shape = shape
    }

    /// Schedule number `index` of the run.
    public func schedule(_ index: Int) -> Schedule {
        var random = SeededGenerator(seed: SeededGenerator.scenarioSeed(runSeed: seed, name: "explore-\(index)"))
        let mode: BotSettings.Mode = switch self.mode {
        case .webhook: .webhook
        case .polling: .polling
        case .both: index % 2 == 0 ? .webhook : .polling
        }
        let userCount = Int.random(in: shape.users, using: &random)
        let users = (0..<userCount).map { ScenarioUser(id: 5001 + Int64($0), firstName: "User\($0 + 1)", username: "user\($0 + 1)") }

        // Each user's sends, flow by flow, then interleaved keeping each user's order.
        var queues: [[ScheduleEvent]] = []
        var flow = 0
        for user in users {
            var sends: [ScheduleEvent] = []
            for _ in 0..<Int.random(in: shape.flowsPerUser, using: &random) {
                sends += Self.flow(user: user.id, flow: flow, random: &random)
                flow += 1
            }
            queues.append(sends)
        }
        var events: [ScheduleEvent] = []
        while queues.contains(where: { !$0.isEmpty }) {
            let candidates = queues.indices.filter { !queues[$0].isEmpty }
            let pick = candidates[Int.random(in: 0..<candidates.count, using: &random)]
            events.append(queues[pick].removeFirst())
        }

        // Disturbances at random positions.
        var disturbances: [[ScheduleEvent]] = []
        for _ in 0..<Int.random(in: shape.faults, using: &random) {
            var group = [ScheduleEvent.fault(Self.fault(mode: mode, random: &random))]
            if Bool.random(using: &random) { group.append(.pause(.milliseconds(Int64.random(in: 2...15, using: &random) * 100))) }
            disturbances.append(group)
        }
        if mode == .webhook, Int.random(in: 0..<3, using: &random) == 0 {
            disturbances.append([.webhookOutage(true), .pause(.milliseconds(Int64.random(in: 5...25, using: &random) * 100)), .webhookOutage(false)])
        }
        for _ in 0..<Int.random(in: shape.processEvents, using: &random) {
            let event: ScheduleEvent = switch Int.random(in: 0..<8, using: &random) {
            case 0...2: .restart(.term)
            case 3: .restart(.int)
            case 4, 5: .kill
            case 6: .secondSignal
            default: .memoryLimit(Int64([128, 192, 256][Int.random(in: 0..<3, using: &random)]) << 20)
            }
            disturbances.append(Int.random(in: 0..<10, using: &random) < 7 ? [.settleSends, event] : [event])
        }
        for _ in 0..<Int.random(in: shape.rawUpdates, using: &random) {
            disturbances.append([Self.raw(poisonAllowed: shape.poison, mode: mode, random: &random)])
        }
        if disturbances.contains(where: { $0.contains { if case .fault = $0 { true } else { false } } }), Bool.random(using: &random) {
            disturbances.append([.clearFaults(nil)])
        }
        for group in disturbances {
            let position = Int.random(in: 0...events.count, using: &random)
            events.insert(contentsOf: group, at: position)
        }
        return Schedule(seed: seed, index: index, mode: mode, users: users, events: events)
    }

    /// Two sites (``ScenarioSite/defaults``) and a place outside both.
    static let places: [(Double, Double)] = [(40.4168, -3.7038), (40.4066, -3.6892), (40.4500, -3.7500)]

    /// One flow of a user: complete or abandoned check-ins and check-outs, cancels, invalid and
    /// stray locations, duplicates, callbacks and other texts.
    static func flow(user: Int64, flow: Int, random: inout SeededGenerator) -> [ScheduleEvent] {
        func send(_ payload: SendStep.Payload) -> ScheduleEvent { .send(user: user, payload: payload, flow: flow) }
        func place() -> SendStep.Payload {
            let (latitude, longitude) = places[Int.random(in: 0..<places.count, using: &random)]
            return .location(latitude: latitude, longitude: longitude)
        }
        let command = Bool.random(using: &random) ? "/checkin" : "/checkout"
        switch Int.random(in: 0..<12, using: &random) {
        case 0...4:
            return [send(.text(command)), send(place())]
        case 5:
            return [send(.text(command))]
        case 6:
            return [send(.text(command)), send(.text("/cancel")), send(place())]
        case 7:
            let invalid: SendStep.Payload = Bool.random(using: &random) ? .location(latitude: 91.5, longitude: -3.7) : .location(latitude: 40.4, longitude: 181.0)
            return [send(.text(command)), send(invalid), send(place())]
        case 8:
            let location = place()
            return [send(.text(command)), send(location), send(location)]
        case 9:
            return [send(place())]
        case 10:
            return [send(.callback(data: ["confirm", "checkin", "x"][Int.random(in: 0..<3, using: &random)], messageID: Int64.random(in: 1...50, using: &random)))]
        default:
            return [send(.text(["/status", "/help", "/start", "hello"][Int.random(in: 0..<4, using: &random)]))]
        }
    }

    /// A fault rule from the whole vocabulary both fakes understand, for the methods `mode` uses.
    static func fault(mode: BotSettings.Mode, random: inout SeededGenerator) -> ScenarioFault {
        func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }
        let times = Int.random(in: 1...3, using: &random)
        let telegramMethods = mode == .webhook ? ["sendMessage", "delivery", "answerCallbackQuery", "getWebhookInfo"] : ["sendMessage", "getUpdates", "answerCallbackQuery"]
        if Bool.random(using: &random) {
            let method = pick(telegramMethods)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return ScenarioFault(target: .telegram, match: method, status: pick([500, 502, 503]), times: times)
            case 1: return ScenarioFault(target: .telegram, match: method, status: 429, retryAfter: Int.random(in: 1...2, using: &random), times: times)
            case 2: return ScenarioFault(target: .telegram, match: method, delay: .milliseconds(Int64.random(in: 3...25, using: &random) * 100), times: 1)
            case 3: return ScenarioFault(target: .telegram, match: method, action: pick([.reset, .close, .garbage]), times: times)
            case 4: return ScenarioFault(target: .telegram, match: method, action: .timeout, times: 1)
            default: return ScenarioFault(target: .telegram, match: method, status: pick([500, 503]), probability: 0.5)
            }
        }
        let operation = pick(["append", "append", "append", "token", "get"])
        switch Int.random(in: 0..<7, using: &random) {
        case 0: return ScenarioFault(target: .sheets, match: operation, status: pick([500, 503]), times: times)
        case 1: return ScenarioFault(target: .sheets, match: operation, status: 429, times: times)
        case 2: return ScenarioFault(target: .sheets, match: operation, delay: .milliseconds(Int64.random(in: 5...30, using: &random) * 100), times: 1)
        case 3: return ScenarioFault(target: .sheets, match: operation, action: pick([.reset, .close, .garbage]), times: times)
        case 4: return ScenarioFault(target: .sheets, match: operation, action: .timeout, times: 1)
        case 5: return ScenarioFault(target: .sheets, match: operation, status: 503)
        default: return ScenarioFault(target: .sheets, match: operation, status: 503, probability: 0.5)
        }
    }

    /// An unknown update kind, a huge id, or (when allowed) a poison update: a callback query with
    /// an empty id, a message dated in the year 10000.
    /// In webhook mode the unknown kinds are posted straight to the bot (Telegram would drop them).
    static func raw(poisonAllowed: Bool, mode: BotSettings.Mode, random: inout SeededGenerator) -> ScheduleEvent {
        let chat = Schedule.adversaryChat
        let from = #"{"id": \#(chat), "is_bot": false, "first_name": "Eve"}"#
        var harmless = [
            #"{"poll": {"id": "1", "question": "?", "options": []}}"#,
            #"{"something_new": {"x": 1}}"#,
            #"{"edited_message": {"message_id": 1, "date": 1795000000, "chat": {"id": \#(chat), "type": "private"}, "from": \#(from), "text": "edited"}}"#,
        ]
        // Huge chat and user ids. Not a huge message_id: the fake Telegram computes the chat's
        // next message id as message_id + 1, which traps on Int64.max and takes the harness down.
        harmless.append(#"{"message": {"message_id": 1, "date": 1795000000, "chat": {"id": 9223372036854775807, "type": "private"}, "from": {"id": 9223372036854775807, "is_bot": false, "first_name": "Huge"}, "text": "/status"}}"#)
        let poison = [
            #"{"callback_query": {"id": "", "from": \#(from), "chat_instance": "1", "data": "x"}}"#,
            #"{"message": {"message_id": 2, "date": 253402300800, "chat": {"id": \#(chat), "type": "private"}, "from": \#(from), "text": "/checkin"}}"#,
        ]
        if poisonAllowed, Bool.random(using: &random) {
            return .raw(json: poison[Int.random(in: 0..<poison.count, using: &random)], poison: true)
        }
        let pick = Int.random(in: 0..<harmless.count, using: &random)
        if mode == .webhook, pick < 2 { return .webhookPost(json: harmless[pick]) }
        return .raw(json: harmless[pick], poison: false)
    }
}
