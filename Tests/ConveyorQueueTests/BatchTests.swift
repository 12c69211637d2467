import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Testing

/// Batches and workflows against the real Redis: outcomes relayed from the members' queues
/// to their batch, callbacks made once, and jobs released or cancelled as those they come
/// after end.
@Suite struct BatchTests {
    let redis: RedisClient
    let queue: JobQueue

    init() throws {
        redis = try TestEnvironment.redis()
        queue = JobQueue(redis: redis)
    }

    private func job(_ name: QueueName, _ n: Int = 0) -> JobRequest {
        JobRequest(kind: "noop", payload: #"{"n":\#(n)}"#, queue: name, maxAttempts: 1, tenant: "acme")
    }

    /// Relays every outcome waiting in `name`, as the workers of the queue do.
    private func relay(_ name: QueueName) async throws {
        var cursor = "0"
        repeat {
            cursor = try await queue.relayBatchOutcomes(in: QueueShard(name), from: cursor).cursor
        } while cursor != "0"
    }

    private func runAll(_ name: QueueName, failing: Set<JobID> = []) async throws -> [JobID] {
        let taken = try await queue.reserve(from: name, count: 100, lease: .seconds(15), worker: "w1").jobs
        for job in taken where failing.contains(job.id) {
            #expect(try await queue.fail(job.lease, error: "boom", retryIn: .zero, permanent: true) == .dead)
        }
        _ = try await queue.complete(taken.filter { !failing.contains($0.id) }.map { (lease: $0.lease, result: "") })
        return taken.map(\.id)
    }

    @Test func aBatchFinishesOnceItsJobsHaveAndMakesItsCallbacksOnce() async throws {
        let name = TestEnvironment.uniqueQueue("batch")
        let callbacks = TestEnvironment.uniqueQueue("batch-callbacks")
        let batch = BatchRequest(
            tenant: "acme", members: (0..<3).map { BatchRequest.Member(job(name, $0)) },
            onSuccess: JobRequest(kind: "noop", payload: #"{"said":"all good"}"#, queue: callbacks, tenant: "acme"),
            onComplete: JobRequest(kind: "noop", queue: callbacks, tenant: "acme")
        )
        let ids = try await queue.createBatch(batch)
        #expect(ids.count == 3)
        var status = try #require(try await queue.batchStatus(batch.id))
        #expect(status.state == .open && status.total == 3 && status.pending == 3)

        let taken = try await queue.reserve(from: name, count: 100, lease: .seconds(15), worker: "w1").jobs
        #expect(Set(taken.map(\.id)) == Set(ids))
        _ = try await queue.complete(Array(taken.prefix(2)).map { (lease: $0.lease, result: "") })
        try await relay(name)
        status = try #require(try await queue.batchStatus(batch.id))
        #expect(status.succeeded == 2 && status.pending == 1 && status.state == .open)
        #expect(try await queue.statistics(of: callbacks).depth == 0)

        #expect(try await queue.fail(taken[2].lease, error: "once", retryIn: .zero, permanent: false) == .dead)
        // Two relays at once apply the same outcomes: the batch counts them once.
        async let first: Void = relay(name)
        async let second: Void = relay(name)
        _ = try await (first, second)
        status = try #require(try await queue.batchStatus(batch.id))
        #expect(status.state == .finished && status.succeeded == 2 && status.dead == 1 && status.pending == 0)
        #expect(status.onCompleteJob != nil && status.onSuccessJob == nil)
        #expect(try await queue.statistics(of: callbacks).depth == 1, "on_complete was not made once")

        // The dead job retried to success: the batch has every job succeeded, and on_success comes.
        #expect(try await queue.retryDead(taken[2].id))
        try await relay(name)
        #expect(try await queue.batchStatus(batch.id)?.state == .open)
        _ = try await runAll(name)
        try await relay(name)
        status = try #require(try await queue.batchStatus(batch.id))
        #expect(status.state == .finished && status.succeeded == 3 && status.dead == 0 && status.failed == 0)
        let onSuccess = try #require(status.onSuccessJob)
        let made = try #require(try await queue.job(onSuccess))
        #expect(made.payload.contains(#""batch_id":"\#(batch.id)""#) && made.payload.contains("all good"))
        #expect(try await queue.statistics(of: callbacks).depth == 2, "on_complete came twice, or on_success not once")
    }

    @Test func aWorkflowRunsAJobOnceThoseItComesAfterSucceeded() async throws {
        let name = TestEnvironment.uniqueQueue("workflow")
        // 0 → 1 → 2, and 3 after 0 and 1.
        let members = [
            BatchRequest.Member(job(name, 0)), BatchRequest.Member(job(name, 1), after: [0]),
            BatchRequest.Member(job(name, 2), after: [1]), BatchRequest.Member(job(name, 3), after: [0, 1]),
        ]
        let batch = BatchRequest(tenant: "acme", members: members)
        let ids = try await queue.createBatch(batch)
        #expect(try await queue.job(ids[1])?.state == .waiting)
        #expect(try await runAll(name) == [ids[0]])
        try await relay(name)
        #expect(try await runAll(name) == [ids[1]])
        try await relay(name)
        #expect(Set(try await runAll(name)) == Set([ids[2], ids[3]]))
        try await relay(name)
        let status = try #require(try await queue.batchStatus(batch.id))
        #expect(status.state == .finished && status.succeeded == 4)
    }

    @Test func aJobWhoseDependencyDiedIsCancelledOrRunsAsItsOptionSays() async throws {
        let name = TestEnvironment.uniqueQueue("workflow-dead")
        let members = [
            BatchRequest.Member(job(name, 0)), BatchRequest.Member(job(name, 1), after: [0]),
            BatchRequest.Member(job(name, 2), after: [1]), BatchRequest.Member(job(name, 3), after: [0], onDependencyFailure: .run),
        ]
        let batch = BatchRequest(tenant: "acme", members: members, onComplete: JobRequest(kind: "noop", queue: name, tenant: "acme"))
        let ids = try await queue.createBatch(batch)
        #expect(try await runAll(name, failing: [ids[0]]) == [ids[0]])
        try await relay(name)
        // 1 is cancelled, and 2 after it; 3 runs.
        try await relay(name)
        #expect(try await queue.job(ids[1])?.state == .cancelled)
        #expect(try await queue.job(ids[2])?.state == .cancelled)
        let ran = try await runAll(name)
        #expect(ran == [ids[3]])
        try await relay(name)
        let status = try #require(try await queue.batchStatus(batch.id))
        #expect(status.state == .finished && status.dead == 1 && status.cancelled == 2 && status.succeeded == 1)
        #expect(status.onCompleteJob != nil)
    }

    @Test func aBatchWhoseJobComesAfterALaterOneIsRefused() async throws {
        let name = TestEnvironment.uniqueQueue("batch-refused")
        let batch = BatchRequest(tenant: "acme", members: [BatchRequest.Member(job(name), after: [1]), BatchRequest.Member(job(name, 1))])
        await #expect(throws: QueueError.self) { try await queue.createBatch(batch) }
        #expect(try await queue.batchStatus(batch.id) == nil)
        #expect(try await queue.statistics(of: name).depth == 0)
    }

    @Test func outcomesOfABatchStillOpeningWaitInTheirQueue() async throws {
        let name = TestEnvironment.uniqueQueue("batch-opening")
        let id = BatchID()
        var member = job(name)
        member = JobRequest(id: member.id, kind: "noop", queue: name, tenant: "acme")
        // A batch created but not opened, as a creator that died before opening it leaves it.
        let keys = "conveyor:{batch:\(id.description.dropFirst(6))}:record"
        _ = try await redis.send(RedisCommand("HSET", .string(keys), "state", "opening", "tenant", "acme", "total", "1", "created_at", .integer(Int(Timestamp.localNow.microseconds))))
        _ = try await redis.send(RedisCommand("HSET", .string("conveyor:{\(name)}:batch_events"), .string(member.id.description), .string("\(id)\tsucceeded")))
        #expect(try await queue.relayBatchOutcomes(in: QueueShard(name)).applied == 0)
        #expect(try await redis.send(RedisCommand("HLEN", .string("conveyor:{\(name)}:batch_events"))).int == 1)
    }
}
