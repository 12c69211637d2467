/// A job's `state` event, as `GET /v1/jobs/{id}/events` sends it.
struct JobStateUpdate: Decodable, Sendable {
    var state: String
    var attempt: Int
    var maxAttempts: Int
    var error: String?

    /// Whether nothing more will happen to the job.
    var isFinal: Bool { ["succeeded", "dead", "cancelled"].contains(state) }
}

/// A job's `progress` event: what its attempt last reported.
struct JobProgressUpdate: Decodable, Sendable {
    var done: Int
    var total: Int
    var message: String
    var attempt: Int
}
