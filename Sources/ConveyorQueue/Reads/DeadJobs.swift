/// Pages of dead jobs, of one queue or of all, the most recently dead first: for
/// `GET /v1/dead` and `conveyor dead list`.
public enum DeadJobs {
    /// The jobs from `offset` on, at most `limit` of them, and whether more follow.
    ///
    /// Across queues, each queue's newest `offset + limit + 1` dead jobs are read and merged
    /// by time of death, so a page deep in the list costs more than the first.
    public static func page(
        in queue: JobQueue, only name: QueueName? = nil, offset: Int, limit: Int
    ) async throws -> (jobs: [JobRecord], hasMore: Bool) {
        let names: [QueueName]
        if let name { names = [name] } else { names = try await queue.knownQueues() }
        let wanted = offset + limit + 1
        let all = try await withThrowingTaskGroup(of: [JobRecord].self) { group in
            for name in names {
                group.addTask { try await queue.deadJobs(in: name, offset: 0, limit: wanted) }
            }
            var all: [JobRecord] = []
            for try await jobs in group { all += jobs }
            return all
        }
        let merged = all.sorted { ($0.finishedAt ?? $0.createdAt, $0.id.description) > ($1.finishedAt ?? $1.createdAt, $1.id.description) }
        return (Array(merged.dropFirst(offset).prefix(limit)), merged.count > offset + limit)
    }
}
