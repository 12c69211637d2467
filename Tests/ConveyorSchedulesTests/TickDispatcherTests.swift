import ConveyorQueue
import ConveyorRedis
import ConveyorSchedules
import ConveyorTestSupport
import Testing

/// Dispatches ticks with a clock the test controls: each call says what time it is.
@Suite("Tick dispatch")
struct TickDispatcherTests {
    let redis: RedisClient
    let queue: JobQueue
    let dispatcher: TickDispatcher
    let queueName = TestEnvironment.uniqueQueue("schedule")
    /// A minute boundary in the past; the tests' ticks are minutes from here.
    let start = instant("2024-01-01T00:00:00Z")

    init() throws {
        redis = try TestEnvironment.redis()
        queue = JobQueue(redis: redis)
        dispatcher = TickDispatcher(queue: queue, store: ScheduleStore(redis: redis), grace: .seconds(10))
    }

    func everyMinute(missed: MissedTickPolicy) throws -> Schedule {
        try schedule(cron: "* * * * *", missed: missed)
    }

    func everySecond() throws -> Schedule {
        try schedule(cron: "* * * * * *", missed: .skip)
    }

    private func schedule(cron: String, missed: MissedTickPolicy) throws -> Schedule {
        Schedule(
            name: "t-\(UInt64.random(in: 0 ... .max))", cron: try CronSchedule(cron), kind: "noop", payload: "{}",
            queue: queueName, missedTicks: missed
        )
    }

    /// Dispatches `schedule` once for each of `instants`, all at once, as schedulers on
    /// several hosts do; the outcomes of those that found a tick to deal with.
    func dispatchTogether(_ schedule: Schedule, at instants: [Int]) async throws -> [TickOutcome] {
        try await withThrowingTaskGroup(of: TickOutcome?.self) { group in
            for now in instants {
                group.addTask { try await dispatcher.dispatch(schedule, now: now) }
            }
            return try await group.reduce(into: []) { outcomes, outcome in outcome.map { outcomes.append($0) } }
        }
    }

    func depth() async throws -> Int {
        try await queue.statistics(of: queueName).depth
    }

    @Test("three schedulers dealing with one tick at once enqueue it once and record it once")
    func concurrentTick() async throws {
        let schedule = try everyMinute(missed: .skip)
        let outcomes = try await dispatchTogether(schedule, at: [start + 1, start + 1, start + 1])
        #expect(outcomes.filter(\.recorded).count == 1)
        #expect(try await depth() == 1)
        let job = try await queue.job(schedule.jobID(forTick: start))
        #expect(job?.kind == "noop")
        let status = try await dispatcher.store.status(of: schedule.name)
        #expect(status.lastTick == start)
        #expect(status.lastEnqueuedTick == start)
        #expect(status.missed == 0)
        // The same tick again, later in its minute: nothing to do.
        let again = try await dispatcher.dispatch(schedule, now: start + 30)
        #expect(again == nil)
        #expect(try await depth() == 1)
    }

    @Test("schedulers that read the last tick together and record one after another report each tick's job once")
    func staggeredSchedulersReportEachJobOnce() async throws {
        let schedule = try everySecond()
        _ = try await dispatcher.dispatch(schedule, now: start)
        var reported: [JobID] = []
        for round in 1...20 {
            // Three schedulers a second apart, each sure of a later tick than the last.
            let outcomes = try await dispatchTogether(schedule, at: (1...3).map { start + 3 * round - 3 + $0 })
            reported += outcomes.filter(\.recorded).flatMap(\.jobs)
        }
        let lastTick = try #require(try await dispatcher.store.status(of: schedule.name).lastTick)
        #expect(reported.count == Set(reported).count, "a job reported twice: \(reported.count) reports of \(Set(reported).count) jobs")
        #expect(Set(reported) == Set(((start + 1)...lastTick).map(schedule.jobID(forTick:))))
    }

    @Test("ticks missed while no scheduler ran, policy run_once: recorded, and the latest runs once")
    func missedRunOnce() async throws {
        let schedule = try everyMinute(missed: .runOnce)
        _ = try await dispatcher.dispatch(schedule, now: start + 1)
        // Back after 11 minutes and a half: ticks +1…+10 min passed unseen, +11 min is 30 s late.
        let outcomes = try await dispatchTogether(schedule, at: [start + 690, start + 690, start + 690])
        let recordedOutcomes = outcomes.filter(\.recorded)
        let recorded = try #require(recordedOutcomes.first)
        #expect(recorded.missed == 11)
        #expect(recorded.tick == start + 660)
        #expect(try await depth() == 2)
        #expect(try await queue.job(schedule.jobID(forTick: start + 660)) != nil)
        let status = try await dispatcher.store.status(of: schedule.name)
        #expect(status.missed == 11)
        #expect(status.lastMissedTick == start + 660)
        #expect(status.lastEnqueuedTick == start + 660)
    }

    @Test("ticks missed, policy skip: recorded, nothing enqueued, the next tick fires as usual")
    func missedSkip() async throws {
        let schedule = try everyMinute(missed: .skip)
        _ = try await dispatcher.dispatch(schedule, now: start + 1)
        let outcome = try #require(try await dispatcher.dispatch(schedule, now: start + 690))
        #expect(outcome.missed == 11)
        #expect(outcome.jobs.isEmpty)
        #expect(try await depth() == 1)
        var status = try await dispatcher.store.status(of: schedule.name)
        #expect(status.lastTick == start + 660)
        #expect(status.lastEnqueuedTick == start)
        #expect(status.missed == 11)

        let next = try #require(try await dispatcher.dispatch(schedule, now: start + 721))
        #expect(next.missed == 0)
        #expect(next.jobs == [schedule.jobID(forTick: start + 720)])
        #expect(try await depth() == 2)
        status = try await dispatcher.store.status(of: schedule.name)
        #expect(status.missed == 11)
    }

    @Test("back just in time for a tick: it fires, and the ticks before it are recorded missed")
    func missedBeforeAnOnTimeTick() async throws {
        let schedule = try everyMinute(missed: .skip)
        _ = try await dispatcher.dispatch(schedule, now: start + 1)
        let outcome = try #require(try await dispatcher.dispatch(schedule, now: start + 665))
        #expect(outcome.missed == 10)
        #expect(outcome.jobs == [schedule.jobID(forTick: start + 660)])
        let status = try await dispatcher.store.status(of: schedule.name)
        #expect(status.lastMissedTick == start + 600)
    }

    @Test("a scheduler a few seconds behind enqueues every tick still within the grace")
    func behindWithinGrace() async throws {
        let seconds = try everySecond()
        _ = try await dispatcher.dispatch(seconds, now: start)
        let outcome = try #require(try await dispatcher.dispatch(seconds, now: start + 4))
        #expect(outcome.jobs == (1...4).map { seconds.jobID(forTick: start + $0) })
        #expect(outcome.missed == 0)
        #expect(try await depth() == 5)
    }

    @Test("a new schedule does not count or run the ticks before it existed")
    func newSchedule() async throws {
        let schedule = try everyMinute(missed: .runOnce)
        let outcome = try #require(try await dispatcher.dispatch(schedule, now: start + 30))
        #expect(outcome.firstSeen)
        #expect(outcome.jobs.isEmpty)
        #expect(outcome.missed == 0)
        #expect(try await depth() == 0)
        #expect(try await dispatcher.store.status(of: schedule.name).lastTick == start)
        let next = try #require(try await dispatcher.dispatch(schedule, now: start + 60))
        #expect(!next.firstSeen)
        #expect(next.jobs == [schedule.jobID(forTick: start + 60)])
    }

    @Test("a scheduler killed between the enqueue and the record: the next one finds the job, not a miss")
    func enqueuedButNotRecorded() async throws {
        let schedule = try everyMinute(missed: .skip)
        _ = try await dispatcher.dispatch(schedule, now: start + 1)
        try await queue.enqueue([schedule.job(forTick: start + 60)])
        let outcome = try #require(try await dispatcher.dispatch(schedule, now: start + 100))
        #expect(outcome.missed == 0)
        #expect(outcome.jobs == [schedule.jobID(forTick: start + 60)])
        #expect(try await depth() == 2)
    }

    @Test("a scheduler that finds another's catch-up job of the same miss counts the miss all the same")
    func catchUpEnqueuedByAnother() async throws {
        let schedule = try everyMinute(missed: .runOnce)
        _ = try await dispatcher.dispatch(schedule, now: start + 1)
        // Another scheduler, back at the same moment, has enqueued the catch-up but not recorded it.
        try await queue.enqueue([schedule.job(forTick: start + 660, missed: true)])
        let outcome = try #require(try await dispatcher.dispatch(schedule, now: start + 690))
        #expect(outcome.missed == 11)
        #expect(outcome.jobs == [schedule.jobID(forTick: start + 660)])
        #expect(try await depth() == 2)
    }
}
