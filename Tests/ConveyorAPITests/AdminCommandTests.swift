import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Testing

@Suite("conveyor stats, dead, pause, resume and cancel")
struct AdminCommandTests {
    /// Runs `conveyor ARGUMENTS` to the end; its exit status and output.
    private func conveyor(_ arguments: [String]) async throws -> (status: Int32?, output: String) {
        let process = try ConveyorProcess(arguments)
        let status = try await process.waitForExit(timeout: .seconds(30))
        return (status, process.output)
    }

    @Test("stats shows each queue's figures")
    func stats() async throws {
        let queue = TestEnvironment.uniqueQueue("cli-stats")
        let redis = try TestEnvironment.redis()
        let jobs = JobQueue(redis: redis)
        _ = try await TestJobs.dead(in: queue, tenant: "t", through: jobs)
        try await jobs.enqueue([JobRequest(kind: "noop", queue: queue), JobRequest(kind: "noop", queue: queue)])
        await redis.shutdown()
        let (status, output) = try await conveyor(["stats"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("QUEUE"))
        let row = try #require(output.split(separator: "\n").first { $0.hasPrefix(queue.rawValue + " ") }, "\(output)")
        #expect(row.split(separator: " ", omittingEmptySubsequences: true).prefix(6) == [Substring(queue.rawValue), "active", "2", "0", "0", "1"])
        #expect(output.contains("WORKER") || output.contains("no live workers"))
    }

    @Test("cancel a waiting and a running job; a finished one is an error naming its state")
    func cancel() async throws {
        let queue = TestEnvironment.uniqueQueue("cli-cancel")
        let redis = try TestEnvironment.redis()
        let jobs = JobQueue(redis: redis)
        let waiting = JobRequest(kind: "noop", queue: queue)
        let running = JobRequest(kind: "noop", queue: queue)
        try await jobs.enqueue([running, waiting])
        _ = try await jobs.reserve(from: queue, count: 1, lease: .seconds(30), worker: "test")

        let first = try await conveyor(["cancel", waiting.id.description])
        #expect(first.status == 0 && first.output.contains("cancelled \(waiting.id)"), "\(first.output)")
        let second = try await conveyor(["cancel", running.id.description])
        #expect(second.status == 0 && second.output.contains("it was running"), "\(second.output)")
        #expect(try await jobs.job(running.id)?.state == .cancelled)
        let again = try await conveyor(["cancel", running.id.description])
        #expect(again.status != 0 && again.output.contains("is cancelled: only a job that has not finished can be cancelled"), "\(again.output)")
        await redis.shutdown()
    }

    @Test("dead list, dead retry by id and --all, dead discard")
    func dead() async throws {
        let queue = TestEnvironment.uniqueQueue("cli-dead")
        let redis = try TestEnvironment.redis()
        let jobs = JobQueue(redis: redis)
        var ids: [JobID] = []
        for index in 0..<4 { ids.append(try await TestJobs.dead(in: queue, tenant: "t", through: jobs, error: "broke \(index)")) }

        let listed = try await conveyor(["dead", "list", "--queue", queue.rawValue, "--limit", "3"])
        #expect(listed.status == 0, "\(listed.output)")
        #expect(listed.output.contains(ids[3].description) && listed.output.contains("broke 3"))
        #expect(!listed.output.contains(ids[0].description))
        #expect(listed.output.contains("more: --offset 3"))
        let json = try await conveyor(["dead", "list", "--queue", queue.rawValue, "--json"])
        #expect(json.output.split(separator: "\n").count == 4)

        let one = try await conveyor(["dead", "retry", ids[0].description])
        #expect(one.output.contains("retried 1 job"), "\(one.output)")
        #expect(try await jobs.job(ids[0])?.state == .queued)
        let discarded = try await conveyor(["dead", "discard", ids[1].description, ids[0].description])
        #expect(discarded.output.contains("\(ids[0]) is not dead; skipped") && discarded.output.contains("discarded 1 job"), "\(discarded.output)")
        #expect(try await jobs.job(ids[1]) == nil)
        let all = try await conveyor(["dead", "retry", "--all", "--queue", queue.rawValue])
        #expect(all.output.contains("retried 2 jobs"), "\(all.output)")
        #expect(try await jobs.statistics(of: queue).dead == 0)

        let wrong = try await conveyor(["dead", "retry", "--all"])
        #expect(wrong.status != 0 && wrong.output.contains("--all needs --queue"))
        await redis.shutdown()
    }

    @Test("pause and resume a queue; an unknown queue is an error naming the queues")
    func pauseResume() async throws {
        let queue = TestEnvironment.uniqueQueue("cli-pause")
        let redis = try TestEnvironment.redis()
        let jobs = JobQueue(redis: redis)
        try await jobs.enqueue([JobRequest(kind: "noop", queue: queue)])
        let paused = try await conveyor(["pause", queue.rawValue])
        #expect(paused.status == 0 && paused.output.contains("paused \(queue)"), "\(paused.output)")
        #expect(try await jobs.statistics(of: queue).paused)
        let resumed = try await conveyor(["resume", queue.rawValue])
        #expect(resumed.status == 0 && resumed.output.contains("resumed \(queue)"))
        #expect(try await !jobs.statistics(of: queue).paused)
        let unknown = try await conveyor(["pause", "no-such-queue-\(UInt32.random(in: 0 ... .max))"])
        #expect(unknown.status != 0 && unknown.output.contains("there is no queue"), "\(unknown.output)")
        await redis.shutdown()
    }
}
