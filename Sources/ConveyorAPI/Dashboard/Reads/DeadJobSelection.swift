import ConveyorQueue
import Foundation

/// Dead jobs picked by queue and, optionally, kind: a page of them for the dead page, and
/// every one of them for "retry all" and "discard all". Paging goes through the engine's
/// reads of the dead set (newest first), which keeps at most `CONVEYOR_DEAD_LIMIT` jobs a
/// queue, so a selection is never more than that many reads.
struct DeadJobSelection: Sendable {
    var queue: QueueName?
    var kind: String?

    /// The engine's deepest page of dead jobs starts at this offset.
    static let deepest = 10_000
    /// Jobs read from the engine at a time while looking for a kind: each read of a queue's
    /// dead set starts at its newest, so fewer, larger reads cost less.
    static let batch = 1000

    /// The query string that names this selection, for links.
    var query: String {
        var parts: [String] = []
        if let queue { parts.append("queue=\(queue.rawValue)") }
        if let kind { parts.append("kind=\(DashboardInput.queryValue(kind))") }
        return parts.joined(separator: "&")
    }

    /// Jobs from `offset` of those selected, at most `limit`, and whether more follow. A kind
    /// is looked for within one queue, whose dead set is read a batch at a time.
    func page(in jobs: JobQueue, offset: Int, limit: Int) async throws -> (jobs: [JobRecord], hasMore: Bool) {
        guard let kind else { return try await DeadJobs.page(in: jobs, only: queue, offset: offset, limit: limit) }
        guard let queue else { throw DashboardError.badRequest("dead jobs of a kind are looked for within one queue: choose the queue too") }
        var matching: [JobRecord] = []
        var read = 0
        while read < Self.deepest {
            let batch = try await jobs.deadJobs(in: queue, offset: read, limit: Self.batch)
            read += batch.count
            matching += batch.filter { $0.kind == kind }
            if matching.count > offset + limit || batch.count < Self.batch { break }
        }
        return (Array(matching.dropFirst(offset).prefix(limit)), matching.count > offset + limit)
    }

    /// Applies `action` (retry or discard) to every selected job of the selection's queue,
    /// which it needs; returns how many it took. Jobs that die meanwhile may be left.
    func applyToAll(in jobs: JobQueue, _ action: DeadJobAction) async throws -> Int {
        guard let queue else { return 0 }
        var done = 0
        var skipped = 0
        while skipped + done <= Self.deepest + Self.batch {
            let batch = try await jobs.deadJobs(in: queue, offset: skipped, limit: Self.batch)
            guard !batch.isEmpty else { break }
            for job in batch {
                guard kind == nil || job.kind == kind else {
                    skipped += 1
                    continue
                }
                // A job taken from the dead set leaves it, so the next read starts past the skipped ones only.
                if try await action.apply(to: job.id, in: jobs) { done += 1 } else { skipped += 1 }
            }
        }
        return done
    }
}

/// What an admin does with a dead job: queue it again with fresh attempts, or delete it.
enum DeadJobAction: String, Sendable {
    case retry
    case discard

    func apply(to id: JobID, in jobs: JobQueue) async throws -> Bool {
        switch self {
        case .retry: try await jobs.retryDead(id)
        case .discard: try await jobs.discardDead(id)
        }
    }

    var verb: String { self == .retry ? "Retry" : "Discard" }
}
