/// Delta debugging over a failing schedule's events (Zeller's ddmin, in passes): drop whole
/// users, then chunks of flows and disturbances, then single sends, then shorten pauses and
/// delays — keeping a candidate only while it still fails the same way, within a time budget.
/// A last pass makes the result deterministic where it can: before each restart it waits for
/// the updates sent so far, when the failure does not need the restart to race them.
///
/// Timing decides some failures (a SIGKILL that lands while an append is held, or just after it
/// settled), so one failing run of a candidate proves little: a candidate is kept only when it
/// fails `confirmations` runs in a row. Without that, the shrinker drifts towards a racy schedule
/// that fails now and then, and the scenario it writes passes when replayed.
public struct Shrinker: Sendable {
    /// The outcome of shrinking.
    public struct Result: Sendable {
        /// The smallest schedule found that still fails.
        public var schedule: Schedule
        /// How many candidates were run.
        public var runs: Int
        /// Whether the budget ran out before every pass finished.
        public var exhausted: Bool
    }

    /// How long shrinking may take.
    public var budget: Duration
    /// How many runs in a row a candidate must fail to be kept.
    public var confirmations: Int

    /// Creates a shrinker.
    public init(budget: Duration, confirmations: Int = 2) {
        precondition(confirmations >= 1, "a candidate must fail at least once to be kept")
        self.budget = budget
        self.confirmations = confirmations
    }

    /// Shrinks `schedule`, which fails; `stillFails` runs a candidate and says whether it fails
    /// the same way (the same invariant).
    public func shrink(_ schedule: Schedule, stillFails: (Schedule) async -> Bool) async -> Result {
        let deadline = ContinuousClock.now + budget
        var current = schedule
        var runs = 0
        var tried: Set<[String]> = []
        var exhausted = false

        /// Runs `candidate` unless it was tried or time is up; true when it fails and becomes current.
        func attempt(_ candidate: Schedule) async -> Bool {
            let key = candidate.events.map { "\($0)" } + candidate.users.map { "u\($0.id)" }
            guard candidate.events != current.events || candidate.users != current.users, !tried.contains(key) else { return false }
            guard ContinuousClock.now < deadline, !Task.isCancelled else {
                exhausted = true
                return false
            }
            tried.insert(key)
            for _ in 0..<confirmations {
                runs += 1
                guard await stillFails(candidate) else { return false }
            }
            current = candidate
            return true
        }

        // 1. Drop users with everything they send.
        for user in schedule.users where !exhausted {
            _ = await attempt(Self.without(user: user.id, in: current))
        }
        // 2. ddmin over units: each flow (a user's sends of one attempt) and each other event.
        var chunks = 2
        while !exhausted {
            let units = Self.units(current)
            guard units.count >= 1 else { break }
            chunks = min(chunks, units.count)
            let size = (units.count + chunks - 1) / chunks
            var reduced = false
            for start in stride(from: 0, to: units.count, by: size) where !exhausted {
                let dropped = Set(units[start..<min(start + size, units.count)].flatMap { $0 })
                if await attempt(Self.keeping(current) { !dropped.contains($0) }) {
                    chunks = max(chunks - 1, 2)
                    reduced = true
                    break
                }
            }
            if reduced { continue }
            if chunks >= units.count { break }
            chunks = min(chunks * 2, units.count)
        }
        // 3. Single events (a duplicate location, a settling wait).
        var index = 0
        while index < current.events.count, !exhausted {
            if await !attempt(Self.keeping(current) { $0 != index }) { index += 1 }
        }
        // 4. Shorter pauses and fault delays.
        for index in current.events.indices where !exhausted {
            guard index < current.events.count else { break }
            var candidate = current
            switch current.events[index] {
            case .pause(let duration) where duration > .milliseconds(100):
                candidate.events[index] = .pause(.milliseconds(max(100, duration.milliseconds / 2)))
            case .fault(var rule) where (rule.delay ?? .zero) > .milliseconds(200):
                rule.delay = .milliseconds(max(200, rule.delay!.milliseconds / 2))
                candidate.events[index] = .fault(rule)
            default: continue
            }
            _ = await attempt(candidate)
        }
        // 5. Settle before each restart. Whether a restart lands before or after the bot took the
        // update sent just before it is a race; a failure that needs the update taken fails only
        // when the bot wins it, so a replay on a busy machine can pass. With the sends confirmed
        // first it fails every time; a failure that needs the race rejects the wait and keeps it.
        var settled = 0
        while settled < current.events.count, !exhausted {
            let event = current.events[settled]
            let sentBefore = current.events[..<settled].contains { if case .send = $0 { true } else { false } }
            if event.isProcessEvent, sentBefore, settled == 0 || current.events[settled - 1] != .settleSends {
                var candidate = current
                candidate.events.insert(.settleSends, at: settled)
                if await attempt(candidate) { settled += 1 }
            }
            settled += 1
        }
        return Result(schedule: Self.withoutIdleUsers(current), runs: runs, exhausted: exhausted)
    }

    /// The schedule without `user`'s sends.
    static func without(user: Int64, in schedule: Schedule) -> Schedule {
        var result = schedule
        result.events = schedule.events.filter { if case .send(user, _, _) = $0 { false } else { true } }
        return withoutIdleUsers(result)
    }

    /// Users that send nothing are dropped from the list.
    static func withoutIdleUsers(_ schedule: Schedule) -> Schedule {
        var result = schedule
        let active = Set(schedule.events.compactMap { if case .send(let user, _, _) = $0 { user } else { nil } })
        result.users = schedule.users.filter { active.contains($0.id) }
        return result
    }

    /// The schedule keeping the events whose index passes `keep`.
    static func keeping(_ schedule: Schedule, _ keep: (Int) -> Bool) -> Schedule {
        var result = schedule
        result.events = schedule.events.indices.filter(keep).map { schedule.events[$0] }
        return withoutIdleUsers(result)
    }

    /// Groups of event indices removed together: one per flow, one per other event.
    static func units(_ schedule: Schedule) -> [[Int]] {
        var units: [[Int]] = []
        var flowUnit: [Int: Int] = [:]
        for (index, event) in schedule.events.enumerated() {
            if case .send(_, _, let flow) = event {
                if let unit = flowUnit[flow] { units[unit].append(index) } else {
                    flowUnit[flow] = units.count
                    units.append([index])
                }
            } else {
                units.append([index])
            }
        }
        return units
    }
}
