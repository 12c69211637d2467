import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Testing

/// A running attempt's progress: kept in its job's record, fenced like every call about the
/// attempt, and kept when the job finishes.
@Suite struct ProgressTests {
    let queue: JobQueue

    init() throws {
        queue = JobQueue(redis: try TestEnvironment.redis())
    }

    @Test func theRecordShowsTheLatestProgressOfTheAttempt() async throws {
        let name = TestEnvironment.uniqueQueue("progress")
        try await queue.enqueue([JobRequest(kind: "noop", queue: name)])
        let job = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(try await queue.job(job.id)?.progress == nil)

        #expect(try await queue.recordProgress(try JobProgress(done: 3, of: 10, message: "three rows in"), of: job.lease, attempt: job.attempt))
        #expect(try await queue.recordProgress(try JobProgress(done: 7, of: 10, message: "a message: with spaces"), of: job.lease, attempt: job.attempt))
        let progress = try #require(try await queue.job(job.id)?.progress)
        #expect(progress.done == 7 && progress.total == 10 && progress.message == "a message: with spaces" && progress.attempt == 1)
        #expect(try #require(progress.updatedAt) >= job.reservedAt)

        // A succeeded job keeps its last progress while it is retained.
        #expect(try await queue.complete([(lease: job.lease, result: "")]) == [true])
        let finished = try #require(try await queue.job(job.id))
        #expect(finished.state == .succeeded)
        #expect(finished.progress?.done == 7)
    }

    @Test func progressFromAnAttemptWithoutTheLeaseIsRefused() async throws {
        let name = TestEnvironment.uniqueQueue("progress-fence")
        try await queue.enqueue([JobRequest(kind: "noop", queue: name, maxAttempts: 2)])
        let first = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(try await queue.recordProgress(try JobProgress(done: 1, of: 4), of: first.lease, attempt: 1))
        #expect(try await queue.recordProgress(try JobProgress(done: 2, of: 4), of: JobLease(id: first.id, token: "999"), attempt: 1) == false)
        #expect(try await queue.fail(first.lease, error: "boom", retryIn: .zero, permanent: false) == .retrying)
        #expect(try await queue.recordProgress(try JobProgress(done: 3, of: 4), of: first.lease, attempt: 1) == false)
        #expect(try await queue.job(first.id)?.progress?.done == 1)

        // The next attempt writes its own; the first attempt's late news is refused still.
        _ = try await queue.promoteDue(in: name)
        let second = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(second.id == first.id && second.token != first.token)
        #expect(try await queue.recordProgress(try JobProgress(done: 1, of: 8), of: second.lease, attempt: 2))
        #expect(try await queue.recordProgress(try JobProgress(done: 4, of: 4), of: first.lease, attempt: 1) == false)
        let progress = try #require(try await queue.job(first.id)?.progress)
        #expect(progress.done == 1 && progress.total == 8 && progress.attempt == 2)
    }

    @Test func badValuesAreRefusedWithTheirReason() {
        #expect(throws: JobProgress.InvalidValue.self) { try JobProgress(done: 1, of: 0) }
        #expect(throws: JobProgress.InvalidValue.self) { try JobProgress(done: -1, of: 5) }
        #expect(throws: JobProgress.InvalidValue.self) { try JobProgress(done: 6, of: 5) }
        #expect(throws: JobProgress.InvalidValue.self) { try JobProgress(done: 1, of: 5, message: String(repeating: "é", count: 101)) }
        #expect((try? JobProgress(done: 5, of: 5, message: String(repeating: "é", count: 100))) != nil)
        do {
            _ = try JobProgress(done: 6, of: 5)
        } catch {
            #expect(error.description == "invalid progress: done 6 is outside 0...5, the total")
        }
    }
}
