import ArgumentParser
import ConveyorCore
import ConveyorJobs
import ConveyorQueue
import ConveyorRedis
import ConveyorWorker
import Foundation
import Logging

/// `conveyor enqueue`: puts jobs on a queue from the command line.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Enqueue jobs of a kind; prints their ids (or their number, past ten)."
    )

    @OptionGroup var connections: ConnectionOptions

    @Argument(help: "The job kind, e.g. noop.")
    var kind: String

    @Option(help: "The payload, as JSON.")
    var payload = "{}"

    @Option(help: "The queue (default: the kind's).")
    var queue: String?

    @Option(help: "How many identical jobs to enqueue.")
    var count = 1

    @Option(help: "Seconds from now to run them.")
    var delay: Double?

    @Option(name: .customLong("max-attempts"), help: "Attempts before the dead set (default: the kind's).")
    var maxAttempts: Int?

    @Option(name: .customLong("timeout"), help: "Seconds one attempt may run (default: the kind's).")
    var timeout: Double?

    @Option(help: "The tenant the jobs belong to, whose producer keys may then see them (default: none; admin keys see every job).")
    var tenant = ""

    @Option(help: "From 0 to 9: a queue's jobs of a higher priority are taken first (default: the kind's).")
    var priority: Int?

    @Option(help: "Seconds from now after which a job that has not started is cancelled instead of run.")
    var deadline: Double?

    @Flag(help: "Make the job unique (by the kind's uniqueness, or its whole payload until it finishes): while another job with its key holds the lock, print that job's id and create nothing.")
    var unique = false

    func run() async throws {
        let registry = try JobCatalogue.registry()
        let options: JobKindOptions
        do {
            options = try registry.validate(kind: kind, payload: payload)
        } catch {
            throw ValidationError("\(error)")
        }
        guard (1...10_000_000).contains(count) else { throw ValidationError("--count must be from 1 to 10000000") }
        let queueName = try queue.map { try QueueName($0) } ?? options.queue
        let runAt = delay.map { Timestamp.localNow + .milliseconds(Int64($0 * 1000)) }
        if let priority, !JobQueue.priorities.contains(priority) { throw ValidationError("--priority must be from 0 to 9") }
        guard !unique || count == 1 else { throw ValidationError("--unique enqueues one job: leave --count out") }
        let uniqueness = unique ? (options.unique ?? UniqueJobs()).uniqueness(kind: kind, tenant: tenant, payload: payload) : nil
        let redis = try await connections.connectRedis(logger: Logger(label: "conveyor.enqueue"))
        defer { Task { await redis.shutdown() } }
        let jobQueue = try await connections.jobQueue(redis)
        var ids: [JobID] = []
        var remaining = count
        while remaining > 0 {
            let batch = (0..<min(remaining, 1000)).map { _ in
                var job = JobRequest(
                    id: uniqueness.map { jobQueue.uniqueJobID(for: $0, in: queueName) }, kind: kind, payload: payload, queue: queueName,
                    maxAttempts: maxAttempts ?? options.maxAttempts,
                    timeout: timeout.map { .milliseconds(Int64($0 * 1000)) } ?? options.timeout,
                    runAt: runAt, requestID: "cli-\(UUID().uuidString.lowercased())", tenant: tenant
                )
                job.priority = priority ?? options.priority
                job.deadline = deadline.map { Timestamp.localNow + .milliseconds(Int64($0 * 1000)) }
                job.uniqueness = uniqueness
                return job
            }
            let result = try await jobQueue.enqueue(batch)
            if let holder = result.uniqueHits.values.first {
                print("\(holder) (unique: it holds the lock, nothing was created)")
                return
            }
            if count <= 10 { ids += batch.map(\.id) }
            remaining -= batch.count
        }
        print(count <= 10 ? ids.map(\.description).joined(separator: "\n") : "enqueued \(count) jobs on \(queueName)")
    }
}
