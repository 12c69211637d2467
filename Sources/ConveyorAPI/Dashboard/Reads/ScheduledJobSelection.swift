import ConveyorQueue
import Foundation

/// The jobs of one queue's schedule in one state — delayed (`scheduled`) or waiting for a
/// retry (`retrying`) — of one tenant or of all, soonest due first. The queue keeps both in one
/// set ordered by due time, with no index by state or tenant, so a page reads the set by rank
/// from where the previous page stopped and looks through at most ``scanned`` jobs for those
/// selected: a page costs the same with 1,000,000 jobs in the schedule as with 100.
struct ScheduledJobSelection: Sendable {
    var queue: QueueName
    var state: JobState
    /// Nil for every tenant's (an admin's choice).
    var tenant: String?

    /// The most jobs of the schedule one page looks through for the selected ones.
    static let scanned = 2_000
    /// Jobs read from the engine at a time.
    static let batch = 500
    /// The deepest rank a page starts at: a sharded queue's deep page reads every shard's
    /// first ranks down to it.
    static let deepest = 100_000

    /// One page of the selection.
    struct Page: Sendable {
        var jobs: [JobRecord]
        /// The ranks of the schedule looked through.
        var looked: Range<Int>
        /// The rank the next page starts at; nil at the end of the schedule or of the depth
        /// pages go to.
        var next: Int?
        /// How many jobs the schedule holds, of every state and tenant.
        var total: Int
    }

    /// Up to `limit` selected jobs from rank `start` of the schedule on.
    func page(in jobs: JobQueue, from start: Int, limit: Int) async throws -> Page {
        let total = try await jobs.statistics(of: queue).scheduled
        let end = min(total, start + Self.scanned)
        var found: [JobRecord] = []
        var rank = start
        while rank < end {
            let batch = try await jobs.scheduledJobs(in: queue, offset: rank, limit: min(Self.batch, end - rank))
            guard !batch.isEmpty else { break }
            for (index, job) in batch.enumerated() where selects(job) {
                if found.count == limit {
                    return Page(jobs: found, looked: start..<(rank + index), next: Self.start(rank + index, of: total), total: total)
                }
                found.append(job)
            }
            rank += batch.count
        }
        return Page(jobs: found, looked: start..<rank, next: Self.start(rank, of: total), total: total)
    }

    /// `rank` as the start of a next page: nil past the schedule's `total` or the deepest rank.
    private static func start(_ rank: Int, of total: Int) -> Int? {
        rank < total && rank <= deepest ? rank : nil
    }

    /// Whether `job` is of the state and tenant selected.
    func selects(_ job: JobRecord) -> Bool {
        job.state == state && (tenant == nil || job.tenant == tenant)
    }

    /// The query string that names this selection, for links and forms.
    var query: String {
        "queue=\(queue.rawValue)" + (tenant.map { "&tenant=\(DashboardInput.queryValue($0))" } ?? "")
    }
}
