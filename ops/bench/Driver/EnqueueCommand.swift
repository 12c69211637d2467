import ArgumentParser
import ConveyorCore
import ConveyorJobs
import ConveyorQueue

/// `conveyor-bench enqueue`: enqueues noop jobs through `JobQueue.enqueue`, a batch per
/// call, from several tasks at once, and prints the rate and the CPU time it used; with
/// `--feature`, jobs that use one of the engine's features (``BenchFeature``).
/// Building each batch of requests (ids included) is part of the time, as it is for any
/// producer.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Enqueue noop jobs in batches from concurrent tasks; prints jobs, seconds, rate and CPU seconds used."
    )

    @OptionGroup var target: BenchTarget

    @Option(help: "How many jobs.")
    var jobs = 200_000

    @Option(help: "Jobs per JobQueue.enqueue call.")
    var batch = 1_000

    @Option(help: "Tasks enqueueing at once.")
    var tasks = 4

    @Option(name: .customLong("max-depth"), help: "Enqueue in waves: before each batch, wait while more than this many jobs are ready (0: never wait).")
    var maxDepth = 0

    @Option(help: "What the jobs use beyond a plain noop job: \(BenchFeature.allCases.map(\.rawValue).joined(separator: ", ")).")
    var feature = BenchFeature.plain

    func validate() throws {
        guard jobs > 0, batch > 0, tasks > 0, maxDepth >= 0 else {
            throw ValidationError("--jobs, --batch and --tasks must be positive, --max-depth not negative")
        }
    }

    func run() async throws {
        let queueName = try target.queueName()
        let (jobs, batch, tasks, maxDepth, feature) = (self.jobs, self.batch, self.tasks, self.maxDepth, self.feature)
        let batchCount = (jobs + batch - 1) / batch
        let line = try await target.withQueue(policy: feature.policy(of: queueName, shards: target.shards)) { queue in
            let clock = ContinuousClock()
            let start = clock.now
            let cpuBefore = ProcessorTime.used()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for first in 0..<min(tasks, batchCount) {
                    group.addTask {
                        for index in stride(from: first, to: batchCount, by: tasks) {
                            if maxDepth > 0 {
                                while try await queue.statistics(of: queueName).depth > maxDepth {
                                    try await Task.sleep(for: .milliseconds(20))
                                }
                            }
                            let size = min(batch, jobs - index * batch)
                            let requests = (index * batch..<index * batch + size).map { feature.request($0, in: queueName, of: queue) }
                            try await feature.enqueue(requests, to: queue, in: queueName)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let seconds = start.duration(to: clock.now).milliseconds / 1000
            var line = ResultLine()
            line.add("jobs", jobs)
            line.add("seconds", seconds)
            line.add("rate", Double(jobs) / seconds)
            line.add("cpu_seconds", ProcessorTime.used() - cpuBefore)
            return line
        }
        print(line)
    }
}
