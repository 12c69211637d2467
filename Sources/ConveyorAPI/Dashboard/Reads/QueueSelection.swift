import ConveyorQueue

/// The queues a page shows, by name: those whose name holds ``nameFilter``, a page of
/// ``pageSize`` from ``offset``. A deployment may have thousands of queues (one a tenant, say),
/// so a page reads the figures of its own queues only, and so does its live stream, which names
/// them (``liveQuery``).
struct QueueSelection: Sendable {
    static let pageSize = DashboardJobs.pageSize
    /// The most queues a live stream reads, whatever its client names.
    static let liveLimit = pageSize

    var nameFilter: String?
    var offset = 0

    /// The page's queues' figures, by name, and how many queues match in all.
    func page(in queue: JobQueue) async throws -> (queues: [QueueStatistics], matching: Int) {
        let names = try await queue.knownQueues().filter { name in nameFilter.map { name.rawValue.contains($0) } ?? true }.sorted()
        let shown = names.dropFirst(offset).prefix(Self.pageSize)
        return (try await QueueOverview.of(Array(shown), in: queue), names.count)
    }

    /// The `queue=` members of a live stream's address that name `queues`.
    static func liveQuery(_ queues: [QueueStatistics]) -> String {
        queues.map { "&queue=\($0.queue.rawValue)" }.joined()
    }

    /// The queues a live stream's address names: valid names only, at most ``liveLimit``.
    static func named(in values: [String]) -> [QueueName] {
        values.prefix(liveLimit).compactMap { try? QueueName($0) }
    }
}
