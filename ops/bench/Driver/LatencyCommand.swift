import ArgumentParser
import ConveyorCore
import ConveyorJobs
import ConveyorQueue

/// `conveyor-bench latency`: with a worker idle on the queue, enqueues one noop job at a
/// time on a fixed beat and prints the pickup latency, from enqueue to start:
///
/// - `pickup_*`: `wait_ms` of the worker's timing lines, which runs to the moment the
///   attempt's task starts in the worker;
/// - `redis_pickup_*`: `started_at − enqueued_at` of the job hashes, both on the Redis
///   clock: up to the moment the reserve script ran;
/// - `enqueue_*`: how long each one-job `JobQueue.enqueue` call took.
struct LatencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Enqueue one job at a time to an idle worker; prints pickup latency percentiles in ms."
    )

    @OptionGroup var target: BenchTarget

    @Option(help: "How many jobs.")
    var jobs = 2_000

    @Option(name: .customLong("every-ms"), help: "Milliseconds between one enqueue and the next.")
    var everyMilliseconds = 10

    @Option(name: .customLong("worker-log"), help: "The worker's standard output, with its timing lines.")
    var workerLog: String

    @Option(help: "Seconds to wait at most for the jobs to succeed once all are enqueued.")
    var timeout = 60

    func validate() throws {
        guard jobs > 0, everyMilliseconds > 0, timeout > 0 else {
            throw ValidationError("--jobs, --every-ms and --timeout must be positive")
        }
    }

    func run() async throws {
        let queueName = try target.queueName()
        let log = WorkerTimingLog(path: workerLog)
        let line = try await target.withQueue { queue in
            let clock = ContinuousClock()
            let succeededBefore = try await queue.statistics(of: queueName).succeeded
            var ids: [JobID] = []
            var enqueueTimes: [Double] = []
            ids.reserveCapacity(jobs)
            enqueueTimes.reserveCapacity(jobs)
            let start = clock.now
            for index in 0..<jobs {
                try await Task.sleep(until: start + .milliseconds(everyMilliseconds * index), clock: clock)
                let job = JobRequest(kind: NoopJob.name, queue: queueName)
                let sent = clock.now
                try await queue.enqueue([job])
                enqueueTimes.append(sent.duration(to: clock.now).milliseconds)
                ids.append(job.id)
            }

            let deadline = clock.now + .seconds(timeout)
            while try await queue.statistics(of: queueName).succeeded < succeededBefore + jobs {
                guard clock.now < deadline else { throw BenchError("the worker did not finish the \(jobs) jobs within \(timeout) s") }
                try await Task.sleep(for: .milliseconds(20))
            }

            // The worker flushes its standard output every 100 ms.
            let wanted = Set(ids.map(\.description))
            var waits = try log.waits(of: wanted)
            let logDeadline = clock.now + .seconds(5)
            while waits.count < wanted.count, clock.now < logDeadline {
                try await Task.sleep(for: .milliseconds(100))
                waits = try log.waits(of: wanted)
            }
            guard waits.count == wanted.count else {
                throw BenchError("\(workerLog) has timing lines for \(waits.count) of the \(wanted.count) jobs")
            }

            var redisWaits: [Double] = []
            redisWaits.reserveCapacity(jobs)
            for id in ids {
                guard let record = try await queue.job(id), let enqueued = record.enqueuedAt, let started = record.startedAt else {
                    throw BenchError("job \(id) has no enqueued_at/started_at: did it expire? (CONVEYOR_RETENTION)")
                }
                redisWaits.append(started.since(enqueued).milliseconds)
            }

            var line = ResultLine()
            line.add("jobs", jobs)
            line.add("pickup", Distribution(Array(waits.values)))
            line.add("redis_pickup", Distribution(redisWaits))
            line.add("enqueue", Distribution(enqueueTimes))
            return line
        }
        print(line)
    }
}
