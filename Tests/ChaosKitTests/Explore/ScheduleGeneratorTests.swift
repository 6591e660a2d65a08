import ChaosKit
import Testing
import MetroSupport

@Suite struct ScheduleGeneratorTests {
    @Test("the same seed and index give the same schedule; another seed or index gives another")
    func deterministic() {
        let generator = ScheduleGenerator(seed: 42)
        for index in 0..<10 {
            #expect(generator.schedule(index) == ScheduleGenerator(seed: 42).schedule(index))
        }
        let schedules = (0..<10).map { generator.schedule($0).events }
        #expect(Set(schedules.map { "\($0)" }).count == 10, "ten schedules of one seed should differ")
        #expect(ScheduleGenerator(seed: 43).schedule(0).events != generator.schedule(0).events)
    }

    @Test("mode both alternates webhook and polling by index; a single mode is kept")
    func modes() {
        let both = ScheduleGenerator(seed: 1, mode: .both)
        #expect((0..<4).map { both.schedule($0).mode } == [.webhook, .polling, .webhook, .polling])
        #expect((0..<4).allSatisfy { ScheduleGenerator(seed: 1, mode: .polling).schedule($0).mode == .polling })
    }

    @Test("over many schedules the whole vocabulary appears: flows, faults of both fakes, outages, every process event, poison")
    func vocabulary() {
        let schedules = (0..<200).map { ScheduleGenerator(seed: 9).schedule($0) }
        let events = schedules.flatMap(\.events)
        func has(_ test: (ScheduleEvent) -> Bool) -> Bool { events.contains(where: test) }
        #expect(has { if case .send(_, .text("/checkin"), _) = $0 { true } else { false } })
        #expect(has { if case .send(_, .text("/cancel"), _) = $0 { true } else { false } })
        #expect(has { if case .send(_, .callback, _) = $0 { true } else { false } })
        #expect(has { if case .send(_, .location(let latitude, _), _) = $0 { latitude > 90 } else { false } })
        #expect(has { if case .fault(let rule) = $0 { rule.target == .telegram && rule.status == 429 && rule.retryAfter != nil } else { false } })
        #expect(has { if case .fault(let rule) = $0 { rule.target == .sheets && rule.action == .timeout } else { false } })
        #expect(has { if case .fault(let rule) = $0 { rule.action == .garbage } else { false } })
        #expect(has { if case .fault(let rule) = $0 { rule.delay != nil } else { false } })
        #expect(has { if case .webhookOutage(true) = $0 { true } else { false } })
        #expect(has { if case .restart(.term) = $0 { true } else { false } })
        #expect(has { if case .kill = $0 { true } else { false } })
        #expect(has { if case .secondSignal = $0 { true } else { false } })
        #expect(has { if case .memoryLimit = $0 { true } else { false } })
        #expect(has { if case .raw(let json, true) = $0 { json.contains("253402300800") } else { false } })
        #expect(has { if case .raw(let json, true) = $0 { json.contains(#""id": """#) } else { false } })
        #expect(has { if case .raw(let json, false) = $0 { json.contains("9223372036854775807") } else { false } })
        #expect(has { if case .webhookPost(let json) = $0 { json.contains("something_new") } else { false } })
        #expect(schedules.filter { $0.mode == .polling }.allSatisfy { !$0.events.contains { if case .webhookPost = $0 { true } else { false } } })
    }

    @Test("without poison no schedule plants an update the bot cannot process")
    func noPoison() {
        var shape = ScheduleGenerator.Shape()
        shape.poison = false
        shape.rawUpdates = 2...2
        let events = (0..<100).flatMap { ScheduleGenerator(seed: 3, shape: shape).schedule($0).events }
        #expect(!events.contains { if case .raw(_, true) = $0 { true } else { false } })
        #expect(events.contains { if case .raw(_, false) = $0 { true } else { false } })
    }

    @Test("every generated schedule is an ordinary scenario: written as YAML it passes the parser's validation")
    func validScenarios() throws {
        for index in 0..<60 {
            let scenario = ScheduleScenario.scenario(ScheduleGenerator(seed: 11).schedule(index))
            let yaml = try ScenarioWriter.yaml(scenario)
            let parsed = try ScenarioParser.parse(yaml, file: "explore.yaml")
            #expect(parsed.name == scenario.name)
            #expect(parsed.steps.count == scenario.steps.count)
            #expect(parsed.expectations.map(\.kind) == scenario.expectations.map(\.kind))
        }
    }

    @Test("the expected rows follow the conversation: a completed flow is a row; cancelled, abandoned, invalid and stray ones are not")
    func expectedRows() {
        let user: Int64 = 5001
        func send(_ payload: SendStep.Payload, _ flow: Int) -> ScheduleEvent { .send(user: user, payload: payload, flow: flow) }
        let schedule = Schedule(seed: 1, index: 0, mode: .webhook, users: [ScenarioUser(id: user)], events: [
            send(.text("/checkin"), 0), send(.location(latitude: 40.4168, longitude: -3.7038), 0),  // row (update 1)
            send(.location(latitude: 40.4168, longitude: -3.7038), 0),                                // duplicate: stray
            send(.text("/checkout"), 1), send(.text("/cancel"), 1), send(.location(latitude: 40.4, longitude: -3.7), 1), // cancelled
            .kill,
            send(.text("/checkout"), 2), send(.location(latitude: 91.5, longitude: -3.7), 2),        // invalid, stays open
            .raw(json: #"{"something_new": {"x": 1}}"#, poison: false),
            send(.location(latitude: 40.45, longitude: -3.75), 2),                                     // row (update 9), outside
            send(.text("/checkin"), 3),                                                                // abandoned
        ])
        #expect(ExpectedRows.rows(schedule) == [
            ExpectedRow(update: 1, user: user, action: "check_in"),
            ExpectedRow(update: 9, user: user, action: "check_out"),
        ])
        #expect(ExpectedRows.rows(schedule, sent: 5) == [ExpectedRow(update: 1, user: user, action: "check_in")])
    }
}
