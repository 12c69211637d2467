import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import ConveyorWorker
import Foundation
import Testing

/// Retries, the dead set, timeouts and bad jobs, through a real worker process.
@Suite(.serialized) struct WorkerJobTests {
    @Test func retriesFollowTheBackoffThenTheJobIsDeadAndCanBeRetried() async throws {
        let harness = try WorkerHarness("retries")
        let worker = try await harness.startWorker(concurrency: 2)
        let id = try #require(try await harness.enqueue("drill.fail", payload: #"{"message":"always"}"#).first)
        #expect(try await harness.waitUntil([id], are: .dead, timeout: .seconds(15)))
        let dead = try #require(try await harness.queue.job(id))
        #expect(dead.attempt == 3)
        #expect(dead.error == "always")
        #expect(try await harness.queue.deadJobs(in: harness.queueName).map(\.id) == [id])

        // drill.fail backs off 200 ms, then 400 ms, each less up to half of jitter; the
        // scheduled job is promoted within 200 ms.
        let lines = try await worker.attemptLines(atLeast: 3)
        let times = lines.compactMap { line -> Date? in
            guard let stamp = line["ts"] as? String else { return nil }
            return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(stamp)
        }
        try #require(times.count == 3)
        let gaps = zip(times.dropFirst(), times).map { $0.timeIntervalSince($1) }
        #expect(gaps[0] >= 0.1 && gaps[0] < 0.8, "gap after attempt 1: \(gaps[0])")
        #expect(gaps[1] >= 0.2 && gaps[1] < 1.0, "gap after attempt 2: \(gaps[1])")
        #expect(lines.map { $0["state"] as? String } == ["retrying", "retrying", "dead"])

        #expect(try await harness.queue.retryDead(id))
        let ranAgain = try await eventually(timeout: .seconds(15)) { worker.attemptLines.count == 6 }
        #expect(ranAgain)
        #expect(try await harness.waitUntil([id], are: .dead, timeout: .seconds(5)))
    }

    @Test func aPermanentErrorGoesToDeadAtOnce() async throws {
        let harness = try WorkerHarness("permanent")
        let worker = try await harness.startWorker(concurrency: 2)
        let id = try #require(try await harness.enqueue("drill.fail", payload: #"{"permanent":true,"message":"no good"}"#).first)
        #expect(try await harness.waitUntil([id], are: .dead, timeout: .seconds(10)))
        let record = try #require(try await harness.queue.job(id))
        #expect(record.attempt == 1)
        #expect(record.error == "no good")
        #expect(try await worker.attemptLines(atLeast: 1).count == 1)
    }

    @Test func aJobThatSucceedsOnARetryEndsSucceeded() async throws {
        let harness = try WorkerHarness("flaky")
        try await harness.startWorker(concurrency: 2)
        let id = try #require(try await harness.enqueue("drill.fail", payload: #"{"succeed_on_attempt":2}"#).first)
        #expect(try await harness.waitUntil([id], are: .succeeded, timeout: .seconds(10)))
        let record = try #require(try await harness.queue.job(id))
        #expect(record.attempt == 2)
        #expect(record.error?.contains("attempt 1") == true)
    }

    @Test func aJobOverItsTimeoutIsCancelledAndRetried() async throws {
        let harness = try WorkerHarness("timeout")
        let worker = try await harness.startWorker(concurrency: 2)
        let id = try #require(
            try await harness.enqueue("drill.sleep", payload: #"{"ms":60000}"#, maxAttempts: 2, timeout: .milliseconds(300)).first
        )
        #expect(try await harness.waitUntil([id], are: .dead, timeout: .seconds(10)))
        let record = try #require(try await harness.queue.job(id))
        #expect(record.attempt == 2)
        #expect(record.error == "timed out after 300 ms")
        let lines = try await worker.attemptLines(atLeast: 2)
        #expect(lines.map { $0["outcome"] as? String } == ["timed_out", "timed_out"])
        #expect(lines.map { $0["state"] as? String } == ["retrying", "dead"])
        for line in lines {
            let run = try #require(line["run_ms"] as? Double)
            #expect(run >= 300 && run < 2000)
        }
    }

    @Test func eachAttemptLogsOneTimingLine() async throws {
        let harness = try WorkerHarness("timing")
        let tallied = { @Sendable () async throws -> Int in
            try await harness.redis.send(.init("HGET", .string(JobMetricsTally.key), "succeeded|count|noop")).string.flatMap(Int.init) ?? 0
        }
        let talliedBefore = try await tallied()
        let worker = try await harness.startWorker(concurrency: 4)
        let ids = try await harness.enqueue("noop", count: 20)
        #expect(try await harness.waitUntil(ids, are: .succeeded, timeout: .seconds(10)))
        let lines = try await worker.attemptLines(atLeast: 20)
        #expect(lines.count == 20)
        for line in lines {
            for field in ["job_id", "kind", "queue", "attempt", "request_id", "outcome", "wait_ms", "run_ms", "db_pool_wait_ms", "db_ms", "external_ms", "redis_ms", "rows"] {
                #expect(line[field] != nil, "timing line without \(field): \(line)")
            }
            #expect((line["request_id"] as? String)?.hasPrefix("test-") == true)
            #expect(line["queue"] as? String == harness.queueName.rawValue)
        }
        let presence = try await harness.redis.send(.init("ZRANGE", "conveyor:workers", 0, -1)).array ?? []
        #expect(presence.contains { $0.string?.contains(":\(worker.pid):") == true })
        // The shared tally (other tests' noop jobs count there too) has these 20 within its
        // one-second flush.
        #expect(try await eventually(timeout: .seconds(5)) { try await tallied() >= talliedBefore + 20 })
    }
}

/// Bad jobs and bad settings: a clear error, and no job lost or left running.
@Suite struct WorkerBadInputTests {
    @Test func anUnknownKindEndsDeadWithItsReasonAfterItsAttempts() async throws {
        let harness = try WorkerHarness("unknown-kind")
        try await harness.startWorker(concurrency: 2)
        let id = try #require(try await harness.enqueue("no.such.kind", maxAttempts: 1).first)
        #expect(try await harness.waitUntil([id], are: .dead, timeout: .seconds(10)))
        let error = try #require(try await harness.queue.job(id)?.error)
        #expect(error.contains("unknown job kind 'no.such.kind'"))
        #expect(error.contains("noop"))
    }

    @Test func aPayloadThatDoesNotDecodeGoesToDeadAtOnceNamingTheField() async throws {
        let harness = try WorkerHarness("bad-payload")
        try await harness.startWorker(concurrency: 2)
        let id = try #require(try await harness.enqueue("drill.sleep", payload: #"{"ms":"soon"}"#, maxAttempts: 5).first)
        #expect(try await harness.waitUntil([id], are: .dead, timeout: .seconds(10)))
        let record = try #require(try await harness.queue.job(id))
        #expect(record.attempt == 1)
        #expect(record.error == "payload does not decode for job kind 'drill.sleep': 'ms' should be an integer")
    }

    @Test(arguments: [
        (["worker"], ["CONVEYOR_REDIS_URL": "http://127.0.0.1:6379"], "CONVEYOR_REDIS_URL"),
        (["worker"], ["CONVEYOR_REDIS_URL": "redis://127.0.0.1:1/0"], "cannot reach Redis at 127.0.0.1:1"),
        (["worker"], ["CONVEYOR_DATABASE_URL": "host=127.0.0.1 port"], "CONVEYOR_DATABASE_URL"),
        (["worker", "--concurrency", "0"], [:], "--concurrency"),
        (["worker", "--queues", "critical:0,default"], [:], "--queues"),
        (["worker", "--lease", "soon"], [:], "--lease"),
        (["enqueue", "drill.sleep", "--payload", #"{"ms":-1}"#], [:], "'ms' must be between 0 and 3600000"),
        (["enqueue", "nope"], [:], "unknown job kind 'nope'"),
    ])
    func aWrongSettingStopsAtStartUpNamingIt(arguments: [String], environment: [String: String], expected: String) async throws {
        let process = try ConveyorProcess(arguments, environment: environment)
        let status = try await process.waitForExit(timeout: .seconds(15))
        #expect(status != nil && status != 0)
        #expect(process.output.contains(expected), "output: \(process.output)")
    }
}
