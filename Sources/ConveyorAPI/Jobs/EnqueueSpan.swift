import ConveyorQueue
import Tracing

/// An enqueue in a producer span of the request's trace, whose context the jobs carry so
/// that their attempts' spans, in a worker, are its children.
enum EnqueueSpan {
    /// Runs `enqueue` with `jobs`, in the span when `tracing`, else as it is.
    static func run<T>(_ jobs: [JobRequest], tracing: Bool, _ enqueue: ([JobRequest]) async throws -> T) async throws -> T {
        guard tracing else { return try await enqueue(jobs) }
        return try await withSpan("enqueue", ofKind: .producer) { span in
            span.attributes["conveyor.jobs"] = jobs.count
            span.attributes["conveyor.job.queue"] = jobs.first?.queue.rawValue
            let trace = JobTraceContext.current()
            return try await enqueue(
                jobs.map { job in
                    var traced = job
                    traced.traceContext = trace
                    return traced
                })
        }
    }
}
