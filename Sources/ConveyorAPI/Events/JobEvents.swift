import ConveyorCore
import ConveyorQueue

/// The events of a job's stream (`GET /v1/jobs/{id}/events`), read from its record at each
/// look: `state` when its state, attempt, error, worker or times change, `progress` when an
/// attempt reports progress. The first look sends both as they are (progress if there is
/// some); a final state is the last event. Each look's last event carries the ``Position`` the
/// client has reached as its id, so a client that reconnects with it is not sent again what
/// it has.
struct JobEvents: EventSource {
    let queue: JobQueue
    let id: JobID
    /// Where the client was when it reconnected, until the first look.
    private var resumed: Position?
    private var sentState: StateEvent?
    private var sentProgress: JobProgress?

    init(queue: JobQueue, id: JobID, resumed: Position?) {
        self.queue = queue
        self.id = id
        self.resumed = resumed
    }

    mutating func next() async throws -> EventStream.Update? {
        // Gone: its retention passed, or its dead record was discarded.
        guard let job = try await queue.job(id) else { return EventStream.Update(events: [], isOver: true) }
        let state = StateEvent(job)
        let position = Position(job)
        var sendsState = state != sentState
        var sendsProgress = job.progress != nil && job.progress != sentProgress
        if let resumed {
            sendsState = sendsState && (resumed.state, resumed.attempt) != (position.state, position.attempt)
            sendsProgress = sendsProgress && resumed.progressMicroseconds != position.progressMicroseconds
            self.resumed = nil
        }
        sentState = state
        sentProgress = job.progress
        var events: [EventStream.Event] = []
        let progressEvent = { try EventStream.Event("progress", job.progress) }
        // A final state is the stream's last event: the progress that led to it comes first.
        if sendsProgress && job.state.isFinal { events.append(try progressEvent()) }
        if sendsState { events.append(try EventStream.Event("state", state)) }
        if sendsProgress && !job.state.isFinal { events.append(try progressEvent()) }
        if !events.isEmpty { events[events.count - 1].id = position.description }
        return EventStream.Update(events: events, isOver: job.state.isFinal)
    }

    /// How far a client has followed a job: the state and attempt, and the time of the
    /// progress report (0 for none), of the last events it received. It is the events' id,
    /// `<state>.<attempt>.<progress time in µs>`.
    struct Position: Equatable, CustomStringConvertible {
        var state: JobState
        var attempt: Int
        var progressMicroseconds: Int64

        init(_ job: JobRecord) {
            state = job.state
            attempt = job.attempt
            progressMicroseconds = job.progress?.updatedAt?.microseconds ?? 0
        }

        /// The longest `Last-Event-ID` taken: longer than any this stream sends.
        static let maxLastEventIDLength = 128

        /// The position a `Last-Event-ID` names; nil for one this stream did not send.
        init?(lastEventID: String) {
            let parts = lastEventID.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, let state = JobState(rawValue: String(parts[0])), let attempt = Int(parts[1]),
                let progress = Int64(parts[2])
            else { return nil }
            self.state = state
            self.attempt = attempt
            self.progressMicroseconds = progress
        }

        var description: String { "\(state.rawValue).\(attempt).\(progressMicroseconds)" }
    }

    /// A `state` event's data: the job's record without its payload, result and progress.
    struct StateEvent: Encodable, Equatable {
        var id: String
        var state: JobState
        var attempt: Int
        var maxAttempts: Int
        var error: String?
        var worker: String?
        var runAt: String?
        var enqueuedAt: String?
        var startedAt: String?
        var finishedAt: String?

        init(_ job: JobRecord) {
            id = job.id.description
            state = job.state
            attempt = job.attempt
            maxAttempts = job.maxAttempts
            error = job.error
            worker = job.worker
            runAt = job.runAt?.description
            enqueuedAt = job.enqueuedAt?.description
            startedAt = job.startedAt?.description
            finishedAt = job.finishedAt?.description
        }

        enum CodingKeys: String, CodingKey {
            case id, state, attempt, error, worker
            case maxAttempts = "max_attempts"
            case runAt = "run_at"
            case enqueuedAt = "enqueued_at"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }
    }
}
