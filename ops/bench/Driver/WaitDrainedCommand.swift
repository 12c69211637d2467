import ArgumentParser
import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import Foundation

/// `conveyor-bench wait-drained`: watches a queue's `succeeded` counter until it reaches
/// a number, and prints the drain rate from the first job done to the last. Started
/// before the workers, it sees the counter leave zero within one poll.
///
/// It can also sample a worker's resident memory as the counter passes given marks. A
/// Redis error (a stalled server) is reported and polling goes on until the timeout.
struct WaitDrainedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait-drained",
        abstract: "Wait until a queue has this many succeeded jobs; prints jobs, seconds and rate from the first done to the last."
    )

    @OptionGroup var target: BenchTarget

    @Option(help: "The number of succeeded jobs to wait for.")
    var jobs: Int

    @Option(name: .customLong("interval-ms"), help: "Milliseconds between polls of the queue's statistics.")
    var intervalMilliseconds = 20

    @Option(help: "Seconds to wait at most.")
    var timeout = 180

    @Option(name: .customLong("rss-pid"), help: "A worker process whose resident memory to sample.")
    var rssPID: Int32?

    @Option(name: .customLong("rss-at"), help: "Sample --rss-pid's memory when this many jobs have succeeded; repeatable.")
    var rssMarks: [Int] = []

    func validate() throws {
        guard jobs > 0, intervalMilliseconds > 0, timeout > 0 else {
            throw ValidationError("--jobs, --interval-ms and --timeout must be positive")
        }
        guard rssMarks.isEmpty || rssPID != nil else { throw ValidationError("--rss-at needs --rss-pid") }
    }

    func run() async throws {
        let queueName = try target.queueName()
        let line = try await target.withQueue { queue in
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(timeout)
            var first: (at: ContinuousClock.Instant, succeeded: Int)?
            var pendingMarks = rssMarks.sorted()
            var line = ResultLine()
            var tick = clock.now
            while true {
                do {
                    let statistics = try await queue.statistics(of: queueName)
                    let now = clock.now
                    if first == nil, statistics.succeeded > 0 { first = (now, statistics.succeeded) }
                    while let mark = pendingMarks.first, statistics.succeeded >= mark, let pid = rssPID {
                        pendingMarks.removeFirst()
                        line.add("rss_kb_at_\(mark)", ResidentMemory.kilobytes(of: pid) ?? 0)
                    }
                    if statistics.succeeded >= jobs, let first {
                        let seconds = first.at.duration(to: now).milliseconds / 1000
                        let counted = statistics.succeeded - first.succeeded
                        line.add("jobs", counted)
                        line.add("seconds", seconds)
                        line.add("rate", seconds > 0 ? Double(counted) / seconds : 0)
                        return line
                    }
                    guard now < deadline else {
                        throw BenchError(
                            "gave up after \(timeout) s: \(statistics.succeeded) of \(jobs) succeeded; ready \(statistics.depth), "
                                + "running \(statistics.running), retried \(statistics.retried), dead \(statistics.buried)"
                        )
                    }
                } catch let error as RedisError where clock.now < deadline {
                    FileHandle.standardError.write(Data("wait-drained: \(error); polling on\n".utf8))
                }
                tick = max(tick + .milliseconds(intervalMilliseconds), clock.now)
                try await Task.sleep(until: tick, clock: clock)
            }
        }
        print(line)
    }
}
