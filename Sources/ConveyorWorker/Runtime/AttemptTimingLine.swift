import ConveyorQueue
/// The fields of an attempt's timing line (DESIGN.md, "Per-job timing log"), in a fixed
/// order: job, its phases in milliseconds, then what only some attempts have.
struct AttemptTimingLine: JSONLogMembers {
    let report: AttemptReport

    func appendMembers(to line: inout JSONLine) {
        let job = report.job
        let figures = report.figures
        line.appendMember("job_id", string: job.id.description)
        line.appendMember("kind", string: job.kind)
        line.appendMember("queue", string: job.id.queue.rawValue)
        line.appendMember("attempt", integer: job.attempt)
        line.appendMember("request_id", string: job.requestID)
        if !job.correlationID.isEmpty { line.appendMember("correlation_id", string: job.correlationID) }
        line.appendMember("outcome", string: report.outcome.rawValue)
        line.appendMember("state", string: report.state)
        line.appendMember("wait_ms", milliseconds: report.wait)
        line.appendMember("run_ms", milliseconds: report.run)
        line.appendMember("db_pool_wait_ms", milliseconds: figures.databasePoolWait)
        line.appendMember("db_ms", milliseconds: figures.database)
        line.appendMember("external_ms", milliseconds: figures.external)
        line.appendMember("redis_ms", milliseconds: figures.redis)
        line.appendMember("rows", integer: figures.rows)
        if !job.tenant.isEmpty { line.appendMember("tenant", string: job.tenant) }
        if let breaker = figures.breakerState { line.appendMember("breaker", string: breaker) }
        if let error = report.error { line.appendMember("error", string: error) }
    }
}
