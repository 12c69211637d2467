import ConveyorCore
public import ConveyorQueue

/// A job enqueued on every tick of a cron schedule.
public struct Schedule: Sendable {
    /// The schedule's name: its file's name without `.schedule`.
    public let name: String
    public let cron: CronSchedule
    /// The job kind and its payload (JSON text, already validated against the kind).
    public let kind: String
    public let payload: String
    public let queue: QueueName
    /// The tenant the jobs belong to; empty for none.
    public let tenant: String
    public let maxAttempts: Int
    public let timeout: Duration
    public let missedTicks: MissedTickPolicy
    /// A disabled schedule is loaded and checked but never fires.
    public let isEnabled: Bool

    public init(
        name: String, cron: CronSchedule, kind: String, payload: String, queue: QueueName, tenant: String = "",
        maxAttempts: Int = 25, timeout: Duration = .seconds(60), missedTicks: MissedTickPolicy, isEnabled: Bool = true
    ) {
        self.name = name
        self.cron = cron
        self.kind = kind
        self.payload = payload
        self.queue = queue
        self.tenant = tenant
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.missedTicks = missedTicks
        self.isEnabled = isEnabled
    }

    /// The job of one tick. Its id is derived from the schedule and the tick, so every
    /// scheduler enqueueing that tick sends the same id and the queue keeps the first.
    ///
    /// - Parameter missed: whether the tick passed while no scheduler ran and its job is the
    ///   run-once catch-up; the request id says so, which lets a scheduler that finds the job
    ///   tell a missed tick from one enqueued on time.
    public func job(forTick tick: Int, missed: Bool = false) -> JobRequest {
        JobRequest(
            id: jobID(forTick: tick), kind: kind, payload: payload, queue: queue, maxAttempts: maxAttempts,
            timeout: timeout, requestID: Self.requestID(name: name, tick: tick, missed: missed), tenant: tenant
        )
    }

    /// `schedule:<name>:<tick>`, with `:missed` for a missed tick's catch-up.
    static func requestID(name: String, tick: Int, missed: Bool) -> String {
        "schedule:\(name):\(tick)" + (missed ? ":missed" : "")
    }

    /// Whether `requestID` is that of a missed tick's catch-up job.
    public static func isMissedTickRequest(_ requestID: String) -> Bool {
        requestID.hasSuffix(":missed")
    }

    /// `queue.ULID` whose time part is the tick and whose random part is a hash of the
    /// schedule's name.
    public func jobID(forTick tick: Int) -> JobID {
        let ulid = ULID.make(milliseconds: UInt64(tick) * 1000, random: (high: 0, low: FNV1a64.hash(name.utf8).value))
        return try! JobID("\(queue.rawValue).\(ulid)")
    }
}
