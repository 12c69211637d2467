import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
@testable import ConveyorWorker
import Logging
import Testing

/// An attempt's progress reports on their way to Redis: coalesced into a few writes of the
/// latest, the last handed over when the attempt ends, and refused once the attempt's lease is lost.
@Suite struct ProgressReportsTests {
    /// An attempt of a job on a private Redis, whose script calls are this test's alone.
    private struct Attempt {
        let server: PrivateRedis
        let client: RedisClient
        let queue: JobQueue
        let job: ReservedJob
        let timings = JobTimings()

        static func start() async throws -> Attempt {
            let server = try await PrivateRedis()
            let client = try TestEnvironment.redis(url: server.url)
            let queue = JobQueue(redis: client)
            let name = TestEnvironment.uniqueQueue("progress-reports")
            try await queue.enqueue([JobRequest(kind: "noop", queue: name)])
            let job = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
            return Attempt(server: server, client: client, queue: queue, job: job)
        }

        var destination: ProgressReports.Destination {
            ProgressReports.Destination(queue: queue, lease: job.lease, attempt: job.attempt, timings: timings, logger: Logger(label: "test"))
        }

        /// The scripts Redis has run so far.
        func scriptCalls() async throws -> Int {
            let info = try #require(try await client.send(RedisCommand("INFO", "commandstats")).string)
            return info.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("cmdstat_evalsha:") || $0.hasPrefix("cmdstat_eval:") }.reduce(0) { sum, line in
                sum + (line.split(separator: ",").first.flatMap { $0.split(separator: "=").last }.flatMap { Int($0) } ?? 0)
            }
        }
    }

    @Test func aFloodOfReportsBecomesAFewWritesOfTheLatestAndTheLastIsHandedOver() async throws {
        let attempt = try await Attempt.start()
        let reports = ProgressReports()
        // The script loaded first: a call that finds it missing counts twice.
        #expect(try await attempt.queue.recordProgress(try JobProgress(done: 0, of: 1), of: attempt.job.lease, attempt: 1))
        let before = try await attempt.scriptCalls()
        let clock = ContinuousClock()
        let start = clock.now
        let total = 100_000
        for done in 1...total {
            try reports.report(try JobProgress(done: done, of: total, message: "row \(done)"), to: attempt.destination)
            if done.isMultiple(of: 10_000) { try await Task.sleep(for: .milliseconds(50)) }
        }
        // The last report, unless a write took it already, is handed over, as the worker writes it.
        if let last = await reports.finishAsTheWorkerDoes() {
            #expect(last.done == total)
            #expect(await attempt.destination.write(last))
        }
        let elapsed = start.duration(to: clock.now)
        let writes = try await attempt.scriptCalls() - before
        // One write per interval at most, the first an interval after the first report, and the last at the end.
        #expect(writes >= 2)
        #expect(writes <= Int(elapsed / ProgressReports.interval) + 2, "\(writes) writes in \(elapsed)")
        let progress = try #require(try await attempt.queue.job(attempt.job.id)?.progress)
        #expect(progress.done == total && progress.message == "row \(total)" && progress.attempt == 1)
        #expect(attempt.timings.figures.redis > .zero)
        await attempt.client.shutdown()
    }

    @Test func anAttemptThatLostItsLeaseIsToldSo() async throws {
        let attempt = try await Attempt.start()
        let reports = ProgressReports()
        #expect(try await attempt.queue.fail(attempt.job.lease, error: "timed out", retryIn: .seconds(60), permanent: false) == .retrying)
        // The first write, an interval after the report, is refused; the attempt's next report throws.
        try reports.report(try JobProgress(done: 1, of: 3), to: attempt.destination)
        let told = try await eventually(timeout: .seconds(10), interval: .milliseconds(50)) {
            do {
                try reports.report(try JobProgress(done: 2, of: 3), to: attempt.destination)
                return false
            } catch is ProgressReports.LeaseLost {
                return true
            }
        }
        #expect(told)
        #expect(try await attempt.queue.job(attempt.job.id)?.progress == nil)
        #expect(await reports.finishAsTheWorkerDoes() == nil)
        await attempt.client.shutdown()
    }
}

extension ProgressReports {
    /// What the worker does when an attempt ends: stops the writes, awaits the one in flight,
    /// takes the last report.
    fileprivate func finishAsTheWorkerDoes() async -> JobProgress? {
        if let writer = stopWrites() { await writer.value }
        return takeLatest()
    }
}
