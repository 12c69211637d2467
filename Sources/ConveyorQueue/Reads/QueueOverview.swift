/// The figures of every queue, for `GET /v1/queues`, `/metrics` and `conveyor stats`.
public enum QueueOverview {
    /// Every queue that has had a job, by name, each read in one round trip, all at once.
    public static func all(in queue: JobQueue) async throws -> [QueueStatistics] {
        try await of(try await queue.knownQueues(), in: queue)
    }

    /// The queues `names`, by name, each read in one round trip, all at once.
    public static func of(_ names: [QueueName], in queue: JobQueue) async throws -> [QueueStatistics] {
        try await withThrowingTaskGroup(of: QueueStatistics.self) { group in
            for name in names {
                group.addTask { try await queue.statistics(of: name) }
            }
            var all: [QueueStatistics] = []
            for try await statistics in group { all.append(statistics) }
            return all.sorted { $0.queue < $1.queue }
        }
    }
}
