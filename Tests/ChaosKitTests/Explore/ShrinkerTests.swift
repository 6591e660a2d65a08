import ChaosKit
import Testing

/// The shrinker on a synthetic failure (no processes): the "bug" needs a `/checkin` followed
/// later by a SIGKILL and then a location of the same user.
@Suite struct ShrinkerTests {
    static func failsTheSameWay(_ schedule: Schedule) -> Bool {
        for (index, event) in schedule.events.enumerated() {
            guard case .send(let user, .text("/checkin"), _) = event else { continue }
            let rest = schedule.events[(index + 1)...]
            guard let kill = rest.firstIndex(of: .kill) else { continue }
            if schedule.events[(kill + 1)...].contains(where: { if case .send(user, .location, _) = $0 { true } else { false } }) { return true }
        }
        return false
    }

    static var failing: Schedule {
        var shape = ScheduleGenerator.Shape()
        shape.users = 3...3
        shape.flowsPerUser = 3...3
        shape.faults = 4...4
        let generator = ScheduleGenerator(seed: 5, mode: .webhook, shape: shape)
        var schedule = generator.schedule(0)
        // Plant the trigger in the middle of a busy schedule.
        let user = schedule.users[1].id
        let middle = schedule.events.count / 2
        schedule.events.insert(contentsOf: [
            .send(user: user, payload: .text("/checkin"), flow: 90),
            .pause(.milliseconds(1600)),
            .kill,
            .send(user: user, payload: .location(latitude: 40.4168, longitude: -3.7038), flow: 90),
        ], at: middle)
        return schedule
    }

    @Test("delta debugging keeps only what the failure needs, and only candidates that still fail")
    func shrinksToTheTrigger() async {
        let original = Self.failing
        #expect(Self.failsTheSameWay(original))
        var runs = 0
        let result = await Shrinker(budget: .seconds(600)).shrink(original) { candidate in
            runs += 1
            return Self.failsTheSameWay(candidate)
        }
        #expect(Self.failsTheSameWay(result.schedule))
        // The trigger, with the wait for the /checkin before the SIGKILL that pass 5 adds.
        #expect(result.schedule.events.count == 4, "\(result.schedule.events)")
        #expect(result.schedule.events.firstIndex(of: .settleSends).map { result.schedule.events[$0 + 1] == .kill } == true)
        #expect(result.schedule.users.count == 1)
        #expect(!result.exhausted)
        #expect(result.runs == runs)
        #expect(result.runs < 150)
        #expect(ScheduleScenario.scenario(result.schedule).steps.count <= 8)
    }

    @Test("pauses and fault delays are shortened when the failure does not need them")
    func shortens() async {
        let user: Int64 = 5001
        let schedule = Schedule(seed: 1, index: 0, mode: .polling, users: [ScenarioUser(id: user)], events: [
            .send(user: user, payload: .text("/checkin"), flow: 0),
            .fault(ScenarioFault(target: .sheets, match: "append", delay: .seconds(3), times: 1)),
            .pause(.seconds(2)),
            .kill,
            .send(user: user, payload: .location(latitude: 40.4168, longitude: -3.7038), flow: 1),
        ])
        // This failure needs the fault and the pause, whatever their lengths.
        let result = await Shrinker(budget: .seconds(600)).shrink(schedule) { candidate in
            Self.failsTheSameWay(candidate) && candidate.events.contains { if case .fault = $0 { true } else { false } }
                && candidate.events.contains { if case .pause = $0 { true } else { false } }
        }
        #expect(result.schedule.events.contains(.pause(.milliseconds(1000))))
        #expect(result.schedule.events.contains(.fault(ScenarioFault(target: .sheets, match: "append", delay: .milliseconds(1500), times: 1))))
    }

    @Test("a candidate that fails once and then passes is not kept: the shrunk schedule fails every time")
    func racyCandidatesAreDropped() async {
        let user: Int64 = 5001
        let schedule = Schedule(seed: 1, index: 0, mode: .webhook, users: [ScenarioUser(id: user)], events: [
            .send(user: user, payload: .text("/checkin"), flow: 0),
            .fault(ScenarioFault(target: .sheets, match: "append", delay: .seconds(2), times: 1)),
            .kill,
            .send(user: user, payload: .location(latitude: 40.4168, longitude: -3.7038), flow: 1),
        ])
        // Without the held append the failure is a race: its first run fails, later runs pass.
        var runsOf: [String: Int] = [:]
        let result = await Shrinker(budget: .seconds(600)).shrink(schedule) { candidate in
            guard Self.failsTheSameWay(candidate) else { return false }
            if candidate.events.contains(where: { if case .fault = $0 { true } else { false } }) { return true }
            let key = "\(candidate.events)"
            runsOf[key, default: 0] += 1
            return runsOf[key] == 1
        }
        #expect(result.schedule.events.contains { if case .fault = $0 { true } else { false } }, "\(result.schedule.events)")
        #expect(!runsOf.isEmpty, "the racy candidate was never tried, so this test proves nothing")

        // With one confirmation (the old behaviour) the racy candidate wins: the test can fail.
        runsOf = [:]
        let hasty = await Shrinker(budget: .seconds(600), confirmations: 1).shrink(schedule) { candidate in
            guard Self.failsTheSameWay(candidate) else { return false }
            if candidate.events.contains(where: { if case .fault = $0 { true } else { false } }) { return true }
            let key = "\(candidate.events)"
            runsOf[key, default: 0] += 1
            return runsOf[key] == 1
        }
        #expect(!hasty.schedule.events.contains { if case .fault = $0 { true } else { false } })
    }

    @Test("a restart that does not need to race the sends before it waits for them; one that needs the race keeps it")
    func settlesBeforeRestarts() async {
        let user: Int64 = 5001
        let schedule = Schedule(seed: 1, index: 0, mode: .polling, users: [ScenarioUser(id: user)], events: [
            .send(user: user, payload: .text("/checkin"), flow: 0),
            .pause(.milliseconds(300)),
            .kill,
            .send(user: user, payload: .location(latitude: 40.4168, longitude: -3.7038), flow: 1),
        ])
        func settlesBeforeKill(_ candidate: Schedule) -> Bool {
            candidate.events.firstIndex(of: .kill).map { $0 > 0 && candidate.events[$0 - 1] == .settleSends } ?? false
        }
        // A lost pending action: it fails with the /checkin taken before the SIGKILL, however that happened.
        let deterministic = await Shrinker(budget: .seconds(600)).shrink(schedule) { Self.failsTheSameWay($0) }
        #expect(settlesBeforeKill(deterministic.schedule), "\(deterministic.schedule.events)")
        #expect(!deterministic.schedule.events.contains { if case .pause = $0 { true } else { false } })
        // A failure that needs the SIGKILL to land while the /checkin is in flight.
        let racy = await Shrinker(budget: .seconds(600)).shrink(schedule) { Self.failsTheSameWay($0) && !settlesBeforeKill($0) }
        #expect(!settlesBeforeKill(racy.schedule), "\(racy.schedule.events)")
        #expect(Self.failsTheSameWay(racy.schedule))
    }

    @Test("with no time budget nothing is run and the schedule is returned as it was")
    func budget() async {
        let result = await Shrinker(budget: .zero).shrink(Self.failing) { _ in true }
        #expect(result.runs == 0)
        #expect(result.exhausted)
        #expect(result.schedule.events == Self.failing.events)
    }
}
