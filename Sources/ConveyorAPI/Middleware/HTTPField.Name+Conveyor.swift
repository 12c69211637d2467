import HTTPTypes

extension HTTPField.Name {
    /// The request's id, echoed or generated; see ``RequestIDMiddleware``.
    static let requestID = HTTPField.Name("X-Request-ID")!
    /// The caller's own id for the work a request is part of, echoed and carried into the
    /// jobs it creates; see ``RequestIDMiddleware``.
    static let correlationID = HTTPField.Name("X-Correlation-ID")!
    /// How long the API took to answer; see ``ResponseTimeMiddleware``.
    static let responseTime = HTTPField.Name("X-Response-Time")!
    /// Requests a key may make per window; see ``RateLimitMiddleware``.
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    /// Requests left in the window.
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    /// Seconds until the window ends and the count starts again.
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
    /// The caller's key for a request that creates work; see ``IdempotencyMiddleware``.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// Set to `true` on an answer repeated for a request already made with the same key.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    /// Set to `true` on the answer to a unique job's enqueue that found another job holding
    /// its lock: the answer is that job.
    static let uniqueHit = HTTPField.Name("Conveyor-Unique-Hit")!
    /// Tells a proxy in front (nginx) to pass server-sent events on as they come.
    static let xAccelBuffering = HTTPField.Name("X-Accel-Buffering")!
    /// The id of the last server-sent event a reconnecting client received; see ``JobEvents``.
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
