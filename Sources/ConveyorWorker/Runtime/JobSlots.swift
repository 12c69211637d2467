/// A worker's slots and its prefetch buffer, as a state machine without Redis or tasks:
/// how many attempts run, which reserved jobs wait for a slot, how many jobs to reserve
/// next, and which waiting jobs to hand back.
///
/// Without a buffer, a worker could take from Redis no more jobs per call than it has free
/// slots, and a slot stayed empty for the round trip that refilled it: at a concurrency of
/// 10, few jobs a call and many calls a job. With one, an ending attempt's slot is filled at
/// once from the buffer, and a reserve call carries as many jobs as the slots start in a
/// while, whatever the concurrency.
///
/// The buffer is kept small enough for its jobs to start soon:
/// - its target is half the attempts started in the last ``hold``, at most ``prefetch``, so
///   a worker whose jobs are slow, or that was idle, holds few or none;
/// - a job that waited a whole ``hold`` without a slot is handed back, so that another
///   worker may run it (see ``takeStale(at:)``).
/// Reserved jobs in the buffer are leased like running ones, so a crash or a lost reply
/// returns them like any lease; their leases are not renewed, since none waits longer than
/// ``hold``.
struct JobSlots<Job> {
    /// What a reserve call should ask for.
    struct Request: Equatable {
        /// Jobs for the free slots, taken whatever else waits in the queue.
        var forSlots: Int
        /// Jobs for the buffer, taken only from what would still be left for other workers
        /// (see `reserve.lua`).
        var forBuffer: Int

        var total: Int { forSlots + forBuffer }
    }

    private struct Waiting {
        var job: Job
        var since: ContinuousClock.Instant
    }

    let concurrency: Int
    /// The most reserved jobs the buffer holds.
    let prefetch: Int
    /// How long a reserved job may wait for a slot.
    let hold: Duration

    /// Attempts started and not yet ended.
    private(set) var running = 0
    private var waiting: [Waiting] = []
    /// The first job of `waiting` still waiting; those before it were taken.
    private var head = 0
    private var windowStart: ContinuousClock.Instant
    private var startedThisWindow = 0
    private var startedLastWindow = 0
    /// Set once the worker stops: no attempt starts any more.
    private(set) var isStopping = false

    init(concurrency: Int, prefetch: Int, hold: Duration, now: ContinuousClock.Instant) {
        precondition(concurrency > 0 && prefetch >= 0 && hold > .zero)
        self.concurrency = concurrency
        self.prefetch = prefetch
        self.hold = hold
        self.windowStart = now
    }

    var free: Int { concurrency - running }
    var buffered: Int { waiting.count - head }

    /// How many jobs the buffer aims to hold now.
    mutating func target(at now: ContinuousClock.Instant) -> Int {
        advanceWindow(to: now)
        return min(prefetch, startedLastWindow / 2)
    }

    /// What to reserve now; `nil` when nothing: the slots are taken and the buffer holds at
    /// least half its target, or the worker is stopping.
    mutating func request(at now: ContinuousClock.Instant) -> Request? {
        guard !isStopping else { return nil }
        let target = self.target(at: now)
        let forSlots = max(0, free - buffered)
        guard forSlots > 0 || buffered * 2 < target else { return nil }
        let request = Request(forSlots: forSlots, forBuffer: max(0, target - max(0, buffered - free)))
        return request.total > 0 ? request : nil
    }

    /// Takes the jobs a reserve returned: those that fit the free slots are started (and
    /// returned), unless `mayStart` is false; the rest wait in the buffer.
    mutating func reserved(_ jobs: some Sequence<Job>, at now: ContinuousClock.Instant, mayStart: Bool = true) -> [Job] {
        var starting: [Job] = []
        for job in jobs {
            if mayStart, !isStopping, free > 0, buffered == 0 {
                starting.append(job)
                noteStarted(at: now)
            } else {
                waiting.append(Waiting(job: job, since: now))
            }
        }
        return starting
    }

    /// An attempt ended and freed its slot: the buffered job to start in it, if any (none
    /// when `mayStart` is false), and whether the fetch loop should reserve now: a slot
    /// stays free, or the buffer is down to half its target.
    mutating func attemptEnded(at now: ContinuousClock.Instant, mayStart: Bool = true) -> (next: Job?, reserveMore: Bool) {
        precondition(running > 0, "an attempt ended that never started")
        running -= 1
        guard !isStopping else { return (nil, false) }
        let next = mayStart ? takeNext(at: now) : nil
        return (next, next == nil || buffered * 2 <= target(at: now))
    }

    /// The jobs that waited a whole ``hold`` for a slot, to be handed back. The starts
    /// counted so far no longer tell how soon a slot frees, so the buffer's target starts
    /// again from none.
    mutating func takeStale(at now: ContinuousClock.Instant) -> [Job] {
        var stale: [Job] = []
        while head < waiting.count, waiting[head].since + hold <= now {
            stale.append(waiting[head].job)
            head += 1
        }
        compact()
        if !stale.isEmpty {
            windowStart = now
            startedThisWindow = 0
            startedLastWindow = 0
        }
        return stale
    }

    /// The buffered jobs that match, to be handed back.
    mutating func takeBuffered(where matches: (Job) -> Bool) -> [Job] {
        var taken: [Job] = []
        var kept: [Waiting] = []
        for entry in waiting[head...] {
            if matches(entry.job) { taken.append(entry.job) } else { kept.append(entry) }
        }
        waiting = kept
        head = 0
        return taken
    }

    /// The worker stops: no attempt starts any more; the buffered jobs wait to be handed
    /// back (see ``takeBuffered(where:)``).
    mutating func beginStopping() {
        isStopping = true
    }

    private mutating func takeNext(at now: ContinuousClock.Instant) -> Job? {
        guard head < waiting.count else { return nil }
        let job = waiting[head].job
        head += 1
        compact()
        noteStarted(at: now)
        return job
    }

    private mutating func noteStarted(at now: ContinuousClock.Instant) {
        advanceWindow(to: now)
        running += 1
        startedThisWindow += 1
    }

    private mutating func advanceWindow(to now: ContinuousClock.Instant) {
        guard now >= windowStart + hold else { return }
        // A window with no start between this one and the last leaves nothing to go by.
        startedLastWindow = now < windowStart + hold * 2 ? startedThisWindow : 0
        startedThisWindow = 0
        windowStart = now
    }

    /// Drops the taken entries once they are most of the array, so that it does not grow.
    private mutating func compact() {
        if head == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64, head * 2 > waiting.count {
            waiting.removeFirst(head)
            head = 0
        }
    }
}
