import Testing

@testable import ConveyorWorker

/// The slots and prefetch buffer's state machine, on a clock of our own: what it asks
/// Redis for, what it starts, and what it hands back.
@Suite struct JobSlotsTests {
    let start = ContinuousClock.now
    let hold = Duration.milliseconds(50)

    func makeSlots(concurrency: Int = 10, prefetch: Int = 100) -> JobSlots<Int> {
        JobSlots(concurrency: concurrency, prefetch: prefetch, hold: hold, now: start)
    }

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    /// Runs `count` attempts that end at once, as a worker of very short jobs does: each
    /// ending starts the next buffered job. Returns the jobs started.
    func runShortJobs(_ slots: inout JobSlots<Int>, count: Int, at now: ContinuousClock.Instant) -> Int {
        var started = 0
        var next = 0
        let starting = slots.reserved(Array(next..<next + slots.free), at: now)
        next += starting.count
        started += starting.count
        for _ in 0..<count - started {
            let ended = slots.attemptEnded(at: now)
            if ended.next != nil { started += 1 } else {
                started += slots.reserved([next], at: now).count
                next += 1
            }
        }
        return started
    }

    @Test func anIdleWorkerAsksOnlyForItsFreeSlots() {
        var slots = makeSlots()
        #expect(slots.request(at: at(0)) == .init(forSlots: 10, forBuffer: 0))
        #expect(slots.reserved([1, 2, 3], at: at(0)) == [1, 2, 3])
        #expect(slots.running == 3 && slots.buffered == 0)
        #expect(slots.request(at: at(1)) == .init(forSlots: 7, forBuffer: 0))
    }

    @Test func aBusyWorkerBuffersHalfWhatItStartedInTheLastHoldUpToPrefetch() {
        var slots = makeSlots(prefetch: 100)
        _ = runShortJobs(&slots, count: 60, at: at(10))
        // The window that saw 60 starts has ended: half of them, 30, is the target.
        #expect(slots.target(at: at(60)) == 30)
        var busy = makeSlots(prefetch: 100)
        _ = runShortJobs(&busy, count: 1000, at: at(10))
        #expect(busy.target(at: at(60)) == 100)
        // A window with no start between leaves nothing to go by.
        #expect(busy.target(at: at(200)) == 0)
    }

    @Test func theBufferFillsTheSlotsAndIsRefilledAtHalfItsTarget() {
        var slots = makeSlots(concurrency: 2, prefetch: 10)
        _ = runShortJobs(&slots, count: 40, at: at(10))
        let now = at(60)
        #expect(slots.target(at: now) == 10)
        // Both slots are busy; the buffer is empty.
        #expect(slots.running == 2)
        let request = slots.request(at: now)
        #expect(request == .init(forSlots: 0, forBuffer: 10))
        #expect(slots.reserved(Array(100..<110), at: now).isEmpty)
        #expect(slots.buffered == 10)
        #expect(slots.request(at: now) == nil)
        var started: [Int] = []
        var asked = false
        while slots.buffered > 5 {
            let ended = slots.attemptEnded(at: now)
            started += ended.next.map { [$0] } ?? []
            asked = ended.reserveMore
        }
        #expect(started == [100, 101, 102, 103, 104], "buffered jobs start in their order")
        #expect(asked, "the fetch loop is woken once the buffer is down to half its target")
        #expect(slots.request(at: now) == nil, "half the target is not below it")
        _ = slots.attemptEnded(at: now)
        #expect(slots.request(at: now) == .init(forSlots: 0, forBuffer: 6))
    }

    @Test func withoutPrefetchNothingIsBuffered() {
        var slots = makeSlots(concurrency: 4, prefetch: 0)
        _ = runShortJobs(&slots, count: 500, at: at(10))
        #expect(slots.request(at: at(60)) == nil)
        _ = slots.attemptEnded(at: at(60))
        #expect(slots.request(at: at(60)) == .init(forSlots: 1, forBuffer: 0))
    }

    @Test func jobsThatWaitedAWholeHoldAreHandedBackInTheirOrder() {
        var slots = makeSlots(concurrency: 1, prefetch: 100)
        #expect(slots.reserved([1, 2, 3], at: at(0)) == [1])
        #expect(slots.reserved([4], at: at(30)).isEmpty)
        #expect(slots.takeStale(at: at(49)).isEmpty)
        #expect(slots.takeStale(at: at(50)) == [2, 3])
        #expect(slots.takeStale(at: at(79)).isEmpty)
        #expect(slots.takeStale(at: at(80)) == [4])
        #expect(slots.buffered == 0)
    }

    @Test func aWorkerThatHandedJobsBackBuffersNoneUntilItsSlotsStartJobsAgain() {
        var slots = makeSlots(concurrency: 2, prefetch: 100)
        _ = runShortJobs(&slots, count: 400, at: at(10))
        #expect(slots.request(at: at(60)) == .init(forSlots: 0, forBuffer: 100))
        #expect(slots.reserved(Array(1000..<1100), at: at(60)).isEmpty)
        #expect(slots.takeStale(at: at(110)).count == 100)
        #expect(slots.request(at: at(110)) == nil, "both slots are still busy and the target is none")
    }

    @Test func aPausedQueuesBufferedJobsAreTakenOut() {
        var slots = makeSlots(concurrency: 1)
        _ = slots.reserved([1, 2, 3, 4], at: at(0))
        #expect(slots.takeBuffered { $0.isMultiple(of: 2) } == [2, 4])
        #expect(slots.attemptEnded(at: at(1)).next == 3)
    }

    @Test func aStoppingWorkerStartsNothingAndKeepsWhatArrivesForHandingBack() {
        var slots = makeSlots(concurrency: 2)
        _ = slots.reserved([1, 2, 3], at: at(0))
        slots.beginStopping()
        #expect(slots.request(at: at(1)) == nil)
        #expect(slots.attemptEnded(at: at(1)) == (nil, false))
        #expect(slots.reserved([4], at: at(2)).isEmpty)
        #expect(slots.takeBuffered { _ in true } == [3, 4])
        _ = slots.attemptEnded(at: at(3))
        #expect(slots.running == 0)
    }

    @Test func aWorkerOverItsZombieLimitStartsNoBufferedJob() {
        var slots = makeSlots(concurrency: 1)
        _ = slots.reserved([1, 2], at: at(0))
        let ended = slots.attemptEnded(at: at(1), mayStart: false)
        #expect(ended.next == nil && slots.running == 0 && slots.buffered == 1)
        #expect(slots.takeStale(at: at(50)) == [2])
    }
}
