import ConveyorCore
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Logging
import Testing

/// The queue's state changes, each against the real Redis.
@Suite struct JobQueueTests {
    let redis: RedisClient
    let queue: JobQueue

    init() throws {
        redis = try TestEnvironment.redis()
        queue = JobQueue(redis: redis)
    }

    private func enqueue(_ name: QueueName, count: Int = 1, kind: String = "noop", maxAttempts: Int = 3) async throws -> [JobID] {
        let jobs = (0..<count).map { index in
            JobRequest(kind: kind, payload: #"{"n":\#(index)}"#, queue: name, maxAttempts: maxAttempts, requestID: "req-\(index)", tenant: "acme")
        }
        try await queue.enqueue(jobs)
        return jobs.map(\.id)
    }

    @Test func enqueuedJobsAreReservedInOrderAndCompleted() async throws {
        let name = TestEnvironment.uniqueQueue("order")
        let ids = try await enqueue(name, count: 3)
        let reservation = try await queue.reserve(from: name, count: 10, lease: .seconds(15), worker: "w1")
        #expect(reservation.jobs.map(\.id) == ids)
        let first = try #require(reservation.jobs.first)
        #expect(first.attempt == 1)
        #expect(first.payload == #"{"n":0}"#)
        #expect(first.requestID == "req-0")
        #expect(first.tenant == "acme")
        #expect(first.reservedAt >= first.enqueuedAt)

        let running = try #require(try await queue.job(first.id))
        #expect(running.state == .running)
        #expect(running.worker == "w1")

        let taken = try await queue.complete(reservation.jobs.map { (lease: $0.lease, result: #"{"ok":true}"#) })
        #expect(taken == [true, true, true])
        let done = try #require(try await queue.job(first.id))
        #expect(done.state == .succeeded)
        #expect(done.result == #"{"ok":true}"#)
        #expect(try #require(done.finishedAt) >= first.reservedAt)
        let statistics = try await queue.statistics(of: name)
        #expect(statistics.depth == 0 && statistics.running == 0 && statistics.succeeded == 3)
    }

    @Test func aPrefetchTakesAtMostHalfOfWhatIsLeftBeyondTheFreeSlots() async throws {
        let name = TestEnvironment.uniqueQueue("prefetch")
        let ids = try await enqueue(name, count: 12)
        // 2 for the slots, then of the 10 left at most 5 for the buffer.
        let first = try await queue.reserve(from: name, count: 2, prefetch: 100, lease: .seconds(15), worker: "w1")
        #expect(first.jobs.map(\.id) == Array(ids[0..<7]))
        // Only for the buffer: of the 5 left, 2.
        let second = try await queue.reserve(from: name, count: 0, prefetch: 100, lease: .seconds(15), worker: "w2")
        #expect(second.jobs.map(\.id) == Array(ids[7..<9]))
        let third = try await queue.reserve(from: name, count: 0, prefetch: 1, lease: .seconds(15), worker: "w2")
        #expect(third.jobs.map(\.id) == [ids[9]])
        // Of 2 left, 1; of the last, none: a buffer never takes a queue's last job, a free slot does.
        #expect(try await queue.reserve(from: name, count: 0, prefetch: 100, lease: .seconds(15), worker: "w2").jobs.map(\.id) == [ids[10]])
        #expect(try await queue.reserve(from: name, count: 0, prefetch: 100, lease: .seconds(15), worker: "w2").jobs.isEmpty)
        let last = try await queue.reserve(from: name, count: 2, prefetch: 100, lease: .seconds(15), worker: "w3")
        #expect(last.jobs.map(\.id) == [ids[11]])
        #expect(try await queue.reserve(from: name, count: 0, prefetch: 0, lease: .seconds(15), worker: "w3").jobs.isEmpty)
    }

    @Test func anIdleWorkersWaitReservesTheJobThatArrivesAndSaysHowLongItWaited() async throws {
        let name = TestEnvironment.uniqueQueue("wait-reserve")
        let connection = queue.makeWaitingConnection()
        let empty = try await queue.reserveWhenReady(from: QueueShard(name), count: 5, lease: .seconds(15), worker: "w1", on: connection, upTo: .milliseconds(200))
        #expect(empty.jobs.isEmpty && !empty.paused)
        let began = ContinuousClock.now
        let waiting = Task {
            try await queue.reserveWhenReady(from: QueueShard(name), count: 5, lease: .seconds(15), worker: "w1", on: connection, upTo: .seconds(5))
        }
        try await Task.sleep(for: .milliseconds(200))
        let ids = try await enqueue(name, count: 2)
        let reservation = try await waiting.value
        let elapsed = began.duration(to: .now)
        #expect(reservation.jobs.map(\.id) == ids)
        #expect(try await queue.statistics(of: name).running == 2)
        // The server's wait, from the call's arrival to the reserve: within the call's time.
        #expect(reservation.waited > .milliseconds(1) && reservation.waited <= elapsed, "waited \(reservation.waited) of \(elapsed)")

        let more = try await enqueue(name, count: 1)
        let atOnce = try await queue.reserveWhenReady(from: QueueShard(name), count: 5, lease: .seconds(15), worker: "w1", on: connection, upTo: .seconds(5))
        #expect(atOnce.jobs.map(\.id) == more)
        #expect(atOnce.waited < .milliseconds(100), "a job already there is reserved without a wait: \(atOnce.waited)")
        await connection.close()
    }

    @Test func aPayloadWithLineBreaksAndAResendOfTheSameIDsArriveOnce() async throws {
        let name = TestEnvironment.uniqueQueue("spec")
        let payload = "{\n  \"text\": \"two\\nlines\"\n}"
        let request = JobRequest(kind: "noop", payload: payload, queue: name, maxAttempts: 7, timeout: .milliseconds(1500), requestID: "r-1", tenant: "acme")
        let first = try await queue.enqueue([request])
        let resent = try await queue.enqueue([request])
        #expect(first.created == 1)
        #expect(resent.created == 0)

        let reservation = try await queue.reserve(from: name, count: 10, lease: .seconds(15), worker: "w1")
        let job = try #require(reservation.jobs.first)
        #expect(reservation.jobs.count == 1)
        #expect(job.payload == payload && job.kind == "noop" && job.maxAttempts == 7)
        #expect(job.timeout == .milliseconds(1500) && job.requestID == "r-1" && job.tenant == "acme")
        let record = try #require(try await queue.job(job.id))
        #expect(record.payload == payload && record.maxAttempts == 7 && record.requestID == "r-1")
        #expect(job.correlationID.isEmpty && job.traceContext.isEmpty && record.correlationID.isEmpty)
    }

    @Test func aJobCarriesItsCorrelationIDAndTraceContextToItsWorker() async throws {
        let name = TestEnvironment.uniqueQueue("origin")
        var request = JobRequest(kind: "noop", queue: name, requestID: "r-2", tenant: "acme")
        request.correlationID = "order-77"
        request.traceContext = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        var tabbed = JobRequest(kind: "noop", queue: name)
        tabbed.correlationID = "a\tb"
        await #expect(throws: QueueError.self) { try await queue.enqueue([tabbed]) }
        _ = try await queue.enqueue([request])
        let job = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w1").jobs.first)
        #expect(job.requestID == "r-2" && job.correlationID == "order-77" && job.tenant == "acme")
        #expect(job.traceContext == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        #expect(try await queue.job(job.id)?.correlationID == "order-77")
    }

    @Test func aBatchWithALineBreakInAFieldOrOneIDTwiceIsRefusedWhole() async throws {
        let name = TestEnvironment.uniqueQueue("refused")
        let good = JobRequest(kind: "noop", queue: name)
        await #expect(throws: QueueError.self) {
            try await queue.enqueue([good, JobRequest(kind: "no\nop", queue: name)])
        }
        await #expect(throws: QueueError.self) {
            try await queue.enqueue([good, JobRequest(kind: "noop", queue: name, tenant: "a\nb")])
        }
        await #expect(throws: QueueError.self) {
            try await queue.enqueue([good, good])
        }
        let statistics = try await queue.statistics(of: name)
        #expect(statistics.depth == 0)
    }

    @Test func succeededJobsAreDeletedOnceTheirRetentionEnds() async throws {
        let name = TestEnvironment.uniqueQueue("retention")
        // The second job's retention must outlast the steps between its completion and the
        // sweep on a busy machine; the first job's ends before the sweep.
        let sweeper = JobQueue(redis: redis, policy: QueuePolicy(retention: .seconds(5)))
        _ = try await enqueue(name, count: 2)
        let jobs = try await queue.reserve(from: name, count: 2, lease: .seconds(15), worker: "w").jobs
        try #require(jobs.count == 2)
        #expect(try await queue.complete([(lease: jobs[0].lease, result: "")]) == [true])
        try await Task.sleep(for: .milliseconds(5500))
        #expect(try await queue.complete([(lease: jobs[1].lease, result: "")]) == [true])
        #expect(try await queue.job(jobs[0].id)?.state == .succeeded)

        // The recoverer sweeps an idle queue's finished jobs: the first one's retention
        // has ended, the second one's has not.
        _ = try await sweeper.recoverExpired(in: name)
        #expect(try await queue.job(jobs[0].id) == nil)
        #expect(try await queue.job(jobs[1].id)?.state == .succeeded)
        let finished = try await redis.send(RedisCommand("ZRANGE", .string("conveyor:{\(name)}:finished"), .integer(0), .integer(-1)))
        #expect(finished.array?.compactMap(\.string) == [jobs[1].id.description])
    }

    @Test func completionsSweepTheSucceededAndCancelledJobsWhoseRetentionEnded() async throws {
        let name = TestEnvironment.uniqueQueue("sweep")
        let brief = JobQueue(redis: redis, policy: QueuePolicy(retention: .milliseconds(1)))
        let ids = try await enqueue(name, count: 4)
        let first = try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs
        #expect(try await brief.complete(first.map { (lease: $0.lease, result: "") }) == [true])
        #expect(try await queue.job(first[0].id)?.state == .succeeded)
        #expect(try await brief.cancel(ids[3]) == .cancelled)
        #expect(try await queue.job(ids[3])?.state == .cancelled)
        // Well past their retention, the next completion deletes the succeeded job and the cancelled one.
        try await Task.sleep(for: .milliseconds(20))
        let later = try await queue.reserve(from: name, count: 2, lease: .seconds(15), worker: "w").jobs
        #expect(try await brief.complete(later.map { (lease: $0.lease, result: "") }) == [true, true])
        #expect(try await queue.job(first[0].id) == nil)
        #expect(try await queue.job(ids[3]) == nil)
        #expect(try await queue.job(later[0].id)?.state == .succeeded)
    }

    @Test func aScriptsErrorReplyIsTheRedisErrorItSays() async throws {
        let name = TestEnvironment.uniqueQueue("error-reply")
        _ = try await redis.send(RedisCommand("SET", .string("conveyor:{\(name)}:ready"), "not a list"))
        let error = await #expect(throws: RedisError.self) { try await queue.enqueue([JobRequest(kind: "noop", queue: name)]) }
        #expect(error?.kind == .server)
        #expect(error?.message.hasPrefix("WRONGTYPE") == true, "\(String(describing: error))")
    }

    @Test func aLeaseGivenTwiceInOneBatchIsTakenOnce() async throws {
        let name = TestEnvironment.uniqueQueue("twice")
        _ = try await enqueue(name)
        let job = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(try await queue.complete([(lease: job.lease, result: ""), (lease: job.lease, result: "")]) == [true, false])
        #expect(try await queue.statistics(of: name).succeeded == 1)
    }

    @Test func aCallFromAnAttemptWithoutTheLeaseIsRefused() async throws {
        let name = TestEnvironment.uniqueQueue("fence")
        _ = try await enqueue(name)
        let job = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        let stale = JobLease(id: job.id, token: "999")
        #expect(try await queue.complete([(lease: stale, result: "")]) == [false])
        #expect(try await queue.fail(stale, error: "late", retryIn: .zero, permanent: false) == .refused)
        #expect(try await queue.handBack([stale]) == 0)
        #expect(try await queue.renew([stale], for: .seconds(15)).lost == [stale])
        #expect(try await queue.job(job.id)?.state == .running)
        #expect(try await queue.complete([(lease: job.lease, result: "")]) == [true])
    }

    @Test func anExpiredLeaseIsRecoveredAndItsHolderFencedOff() async throws {
        let name = TestEnvironment.uniqueQueue("recover")
        _ = try await enqueue(name)
        let lost = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(2), worker: "dead-worker").jobs.first)
        #expect(try await queue.renew([lost.lease], for: .seconds(2)).lost.isEmpty)
        #expect(try await queue.recoverExpired(in: name) == 0)
        let recovered = try await eventually(timeout: .seconds(10)) { try await queue.recoverExpired(in: name) == 1 }
        #expect(recovered)
        let record = try #require(try await queue.job(lost.id))
        #expect(record.state == .queued)
        #expect(record.error?.contains("dead-worker") == true)

        let again = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w2").jobs.first)
        #expect(again.id == lost.id)
        #expect(again.attempt == 2)
        #expect(again.token != lost.token)
        #expect(try await queue.complete([(lease: lost.lease, result: "")]) == [false])
        #expect(try await queue.complete([(lease: again.lease, result: "")]) == [true])
    }

    @Test func aRenewedLeaseIsNotRecovered() async throws {
        let name = TestEnvironment.uniqueQueue("renew")
        _ = try await enqueue(name)
        // Renewed past the first lease's end; each renewal reaches further than the pause
        // before the next, with room for a loaded machine's stalls.
        let job = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(4), worker: "w").jobs.first)
        for _ in 0..<5 {
            try await Task.sleep(for: .seconds(1))
            let renewal = try await queue.renew([job.lease], for: .seconds(6))
            #expect(renewal.lost.isEmpty && renewal.cancelled.isEmpty)
        }
        #expect(try await queue.recoverExpired(in: name) == 0)
        #expect(try await queue.job(job.id)?.state == .running)
    }

    @Test func anAttemptSpentOnADeadWorkerCountsAndTheLastGoesToDead() async throws {
        let name = TestEnvironment.uniqueQueue("recover-dead")
        _ = try await enqueue(name, maxAttempts: 1)
        let job = try #require(try await queue.reserve(from: name, count: 1, lease: .milliseconds(300), worker: "w").jobs.first)
        #expect(try await queue.renew([job.lease], for: .milliseconds(50)).lost.isEmpty)
        let recovered = try await eventually(timeout: .seconds(10)) { try await queue.recoverExpired(in: name) == 1 }
        #expect(recovered)
        let record = try #require(try await queue.job(job.id))
        #expect(record.state == .dead)
        #expect(try await queue.deadJobs(in: name).map(\.id) == [job.id])
    }

    @Test func anAttemptNeverRenewedDoesNotCountUntilItKeepsHappening() async throws {
        let name = TestEnvironment.uniqueQueue("unstarted")
        let id = try #require(try await enqueue(name, maxAttempts: 1).first)
        // A reserve whose reply never reached its worker: the attempt is neither renewed nor reported.
        for round in 1...JobQueue.uncountedUnstartedAttempts {
            let lost = try #require(try await queue.reserve(from: name, count: 1, lease: .milliseconds(50), worker: "w").jobs.first)
            #expect(lost.attempt == 1)
            let recovered = try await eventually(timeout: .seconds(10)) { try await queue.recoverExpired(in: name) == 1 }
            #expect(recovered)
            let record = try #require(try await queue.job(id))
            #expect(record.state == .queued, "round \(round)")
            #expect(record.attempt == 0)
            #expect(record.error?.contains("may never have started") == true)
        }
        // A job whose attempts keep ending before their first renewal spends them after all.
        _ = try #require(try await queue.reserve(from: name, count: 1, lease: .milliseconds(50), worker: "w").jobs.first)
        let recovered = try await eventually(timeout: .seconds(10)) { try await queue.recoverExpired(in: name) == 1 }
        #expect(recovered)
        #expect(try await queue.job(id)?.state == .dead)
    }

    @Test func failuresRetryAfterTheDelayThenGoToDeadWithTheirError() async throws {
        let name = TestEnvironment.uniqueQueue("fail")
        let id = try #require(try await enqueue(name, maxAttempts: 2).first)
        let first = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        // A delay that a loaded machine does not run out between the steps below.
        #expect(try await queue.fail(first.lease, error: "boom 1", retryIn: .seconds(6), permanent: false) == .retrying)
        let retrying = try #require(try await queue.job(id))
        #expect(retrying.state == .retrying)
        #expect(retrying.error == "boom 1")
        // Six seconds after the fail, which came after the reserve and before now, whatever the machine's load.
        let runAt = try #require(retrying.runAt)
        #expect(runAt.since(first.reservedAt) >= .seconds(6))
        #expect(runAt < Timestamp.localNow + .seconds(6) + .milliseconds(50))

        #expect(try await queue.promoteDue(in: name) == 0)
        #expect(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.isEmpty)
        let promoted = try await eventually(timeout: .seconds(15)) { try await queue.promoteDue(in: name) == 1 }
        #expect(promoted)
        let second = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(second.attempt == 2)
        #expect(try await queue.fail(second.lease, error: "boom 2", retryIn: .milliseconds(300), permanent: false) == .dead)
        let dead = try #require(try await queue.job(id))
        #expect(dead.state == .dead)
        #expect(dead.error == "boom 2")
        #expect(dead.attempt == 2)

        #expect(try await queue.retryDead(id))
        #expect(try await queue.retryDead(id) == false)
        let revived = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(revived.id == id && revived.attempt == 1)
    }

    @Test func aPermanentErrorGoesStraightToDead() async throws {
        let name = TestEnvironment.uniqueQueue("permanent")
        let id = try #require(try await enqueue(name, maxAttempts: 25).first)
        let job = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(try await queue.fail(job.lease, error: "bad payload", retryIn: .seconds(1), permanent: true) == .dead)
        #expect(try await queue.job(id)?.state == .dead)
        #expect(try await queue.discardDead(id))
        #expect(try await queue.job(id) == nil)
    }

    @Test func theDeadSetIsCappedAndDropsTheOldest() async throws {
        let name = TestEnvironment.uniqueQueue("dead-cap")
        let capped = JobQueue(redis: redis, policy: QueuePolicy(deadLimit: 3))
        let ids = try await enqueue(name, count: 5)
        for job in try await queue.reserve(from: name, count: 5, lease: .seconds(15), worker: "w").jobs {
            _ = try await capped.fail(job.lease, error: "x", retryIn: .zero, permanent: true)
        }
        #expect(try await capped.statistics(of: name).dead == 3)
        #expect(try await capped.job(ids[0]) == nil)
        #expect(try await capped.job(ids[1]) == nil)
        #expect(Set(try await capped.deadJobs(in: name).map(\.id)) == Set(ids[2...]))
    }

    @Test func deadJobsPastTheirAgeLimitLeaveEvenWhenNoOtherJobDies() async throws {
        let name = TestEnvironment.uniqueQueue("dead-age")
        let aging = JobQueue(redis: redis, policy: QueuePolicy(deadRetention: .milliseconds(500)))
        let id = try #require(try await enqueue(name).first)
        let job = try #require(try await aging.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(try await aging.fail(job.lease, error: "x", retryIn: .zero, permanent: true) == .dead)
        let gone = try await eventually(timeout: .seconds(10)) {
            _ = try await aging.recoverExpired(in: name)
            return try await aging.statistics(of: name).dead == 0
        }
        #expect(gone)
        #expect(try await aging.job(id) == nil)
    }

    @Test func handingBackReturnsTheJobFirstWithoutSpendingAnAttempt() async throws {
        let name = TestEnvironment.uniqueQueue("handback")
        let ids = try await enqueue(name, count: 2)
        let first = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(try await queue.handBack([first.lease]) == 1)
        let next = try await queue.reserve(from: name, count: 2, lease: .seconds(15), worker: "w").jobs
        #expect(next.map(\.id) == ids)
        #expect(next[0].attempt == 1)
    }

    @Test func delayedJobsWaitUntilDue() async throws {
        let name = TestEnvironment.uniqueQueue("delayed")
        let job = JobRequest(kind: "noop", queue: name, runAt: .localNow + .seconds(3))
        try await queue.enqueue([job])
        #expect(try await queue.job(job.id)?.state == .scheduled)
        let early = try await queue.promoteDue(in: name)
        // Only a call that ended before run_at proves the job waits: a stalled machine may
        // reach run_at first, and then promoting it is right.
        if Timestamp.localNow < job.runAt! {
            #expect(early == 0)
            #expect(try await queue.statistics(of: name).scheduled == 1)
        }
        let promoted = try await eventually(timeout: .seconds(10)) {
            if try await queue.job(job.id)?.state == .queued { return true }
            return try await queue.promoteDue(in: name) == 1
        }
        #expect(promoted)
        #expect(try #require(try await queue.job(job.id)?.enqueuedAt) >= job.runAt!)
        let reserved = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.first)
        #expect(reserved.id == job.id)
    }

    @Test func cancelWorksUntilTheJobFinishes() async throws {
        let name = TestEnvironment.uniqueQueue("cancel")
        let ids = try await enqueue(name, count: 3)
        let later = JobRequest(kind: "noop", queue: name, runAt: .localNow + .seconds(60))
        try await queue.enqueue([later])
        #expect(try await queue.cancel(ids[0]) == .cancelled)
        #expect(try await queue.cancel(later.id) == .cancelled)
        let waiting = try await queue.statistics(of: name)
        #expect(waiting.scheduled == 0 && waiting.depth == 2)
        // The cancelled job's id is dropped when it comes up.
        let taken = try await queue.reserve(from: name, count: 5, lease: .seconds(15), worker: "w").jobs
        #expect(taken.map(\.id) == [ids[1], ids[2]])
        #expect(try await queue.statistics(of: name).depth == 0)
        #expect(try await queue.cancel(JobID(in: name)) == .notFound)
        #expect(try await queue.job(ids[0])?.state == .cancelled)
        #expect(try await queue.cancel(ids[0]) == .notCancellable(.cancelled))

        #expect(try await queue.complete([(lease: taken[1].lease, result: "")]) == [true])
        #expect(try await queue.cancel(ids[2]) == .notCancellable(.succeeded))

        let running = taken[0]
        #expect(try await queue.cancel(running.id) == .cancelledWhileRunning)
        #expect(try await queue.job(running.id)?.state == .cancelled)
        let renewal = try await queue.renew([running.lease], for: .seconds(15))
        #expect(renewal.cancelled == [running.lease] && renewal.lost.isEmpty)
        #expect(try await queue.cancellations(among: [running.lease, taken[1].lease]) == [running.lease])
        #expect(try await queue.complete([(lease: running.lease, result: "")]) == [false])
        #expect(try await queue.fail(running.lease, error: "late", retryIn: .zero, permanent: false) == .refused)
        try await queue.forgetCancellations([running.lease])
        #expect(try await queue.cancellations(among: [running.lease]).isEmpty)
        #expect(try await queue.job(running.id)?.state == .cancelled)
        #expect(try await queue.cancel(running.id) == .notCancellable(.cancelled))
    }

    @Test func aCancelledAttemptWhoseWorkerIsGoneLeavesWithItsLease() async throws {
        let name = TestEnvironment.uniqueQueue("cancel-gone")
        _ = try await enqueue(name)
        let running = try #require(try await queue.reserve(from: name, count: 1, lease: .milliseconds(200), worker: "gone").jobs.first)
        #expect(try await queue.cancel(running.id) == .cancelledWhileRunning)
        let dropped = try await eventually(timeout: .seconds(10)) {
            _ = try await queue.recoverExpired(in: name)
            return try await redis.send(RedisCommand("ZCARD", .string("conveyor:{\(name)}:cancelling"))).int == 0
        }
        #expect(dropped)
        #expect(try await queue.job(running.id)?.state == .cancelled)
        #expect(try await queue.statistics(of: name).running == 0)
    }

    @Test func cancellingAnOldJobTakesNoLongerInALongQueue() async throws {
        let redis = try await PrivateRedis()
        let client = RedisClient(configuration: try RedisConfiguration(url: redis.url), logger: .init(label: "test"))
        let queue = JobQueue(redis: client, policy: QueuePolicy(maxLength: 0))
        _ = try await client.send(RedisCommand("CONFIG", "SET", "appendonly", "no"))
        /// The microseconds Redis spent in the one cancel of the oldest of `waiting` jobs.
        func cancelTime(waiting: Int) async throws -> Double {
            let name = TestEnvironment.uniqueQueue("cancel-cost")
            var oldest: JobID?
            for start in stride(from: 0, to: waiting, by: 10_000) {
                let batch = (start..<min(start + 10_000, waiting)).map { _ in JobRequest(kind: "noop", queue: name) }
                oldest = oldest ?? batch[0].id
                try await queue.enqueue(batch)
            }
            _ = try await client.send(RedisCommand("CONFIG", "RESETSTAT"))
            #expect(try await queue.cancel(try #require(oldest)) == .cancelled)
            let info = try #require(try await client.send(RedisCommand("INFO", "commandstats")).string)
            let line = try #require(info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cmdstat_evalsha:") })
            let usec = try #require(line.split(separator: ",").first { $0.hasPrefix("usec=") }.flatMap { Double($0.dropFirst(5)) })
            _ = try await client.send(RedisCommand("FLUSHALL"))
            return usec
        }
        let short = try await cancelTime(waiting: 10_000)
        let long = try await cancelTime(waiting: 1_000_000)
        await client.shutdown()
        // A scan of the list would take about a hundred times longer; a lookup the same.
        #expect(long < max(short, 50) * 10, "one cancel took \(short) µs with 10,000 waiting, \(long) µs with 1,000,000")
    }

    @Test func aJobWaitingInTheFreshHashReadsAsQueuedAndGetsItsHashWhenTakenOrCancelled() async throws {
        let name = TestEnvironment.uniqueQueue("fresh")
        let keys = (fresh: "conveyor:{\(name)}:fresh", job: { (id: JobID) in "conveyor:{\(name)}:job:\(id)" })
        let ids = try await enqueue(name, count: 2)
        #expect(try await redis.send(RedisCommand("HLEN", .string(keys.fresh))).int == 2)
        #expect(try await redis.send(RedisCommand("EXISTS", .string(keys.job(ids[0])))).int == 0)

        let waiting = try #require(try await queue.job(ids[0]))
        #expect(waiting.state == .queued && waiting.attempt == 0)
        #expect(waiting.kind == "noop" && waiting.payload == #"{"n":0}"# && waiting.tenant == "acme" && waiting.requestID == "req-0")
        #expect(waiting.enqueuedAt == waiting.createdAt)
        #expect(try await queue.statistics(of: name).latency > .zero)

        #expect(try await queue.cancel(ids[1]) == .cancelled)
        let cancelled = try #require(try await queue.job(ids[1]))
        #expect(cancelled.state == .cancelled && cancelled.payload == #"{"n":1}"# && cancelled.createdAt == waiting.createdAt)

        let taken = try #require(try await queue.reserve(from: name, count: 10, lease: .seconds(15), worker: "w1").jobs.first)
        #expect(taken.id == ids[0] && taken.attempt == 1 && taken.payload == #"{"n":0}"#)
        #expect(try await redis.send(RedisCommand("HLEN", .string(keys.fresh))).int == 0)
        let running = try #require(try await queue.job(ids[0]))
        #expect(running.state == .running && running.createdAt == waiting.createdAt && running.enqueuedAt == waiting.enqueuedAt)
        #expect(try await queue.enqueue([JobRequest(id: ids[0], kind: "noop", queue: name)]).created == 0)
        #expect(try await queue.statistics(of: name).depth == 0)
    }

    @Test func aFullQueueRefusesTheWholeBatch() async throws {
        let name = TestEnvironment.uniqueQueue("full")
        let limited = JobQueue(redis: redis, policy: QueuePolicy(maxLength: 5))
        try await limited.enqueue((0..<4).map { _ in JobRequest(kind: "noop", queue: name) })
        await #expect(throws: QueueError.queueFull(queue: name, depth: 4, limit: 5)) {
            try await limited.enqueue((0..<2).map { _ in JobRequest(kind: "noop", queue: name) })
        }
        #expect(try await limited.statistics(of: name).depth == 4)
        try await limited.enqueue([JobRequest(kind: "noop", queue: name)])
        #expect(try await limited.statistics(of: name).depth == 5)
    }

    @Test func resendingAJobCreatesItOnce() async throws {
        let name = TestEnvironment.uniqueQueue("resend")
        let job = JobRequest(kind: "noop", queue: name)
        #expect(try await queue.enqueue([job]).created == 1)
        #expect(try await queue.enqueue([job]).created == 0)
        #expect(try await queue.statistics(of: name).depth == 1)

        // A first sending skips the lookup only for ids made with their requests: a given id
        // is looked for all the same.
        let given = JobRequest(id: job.id, kind: "noop", queue: name)
        let made = JobRequest(kind: "noop", queue: name)
        #expect(try await queue.enqueue([given, made], firstSending: true).created == 1)
        #expect(try await queue.statistics(of: name).depth == 2)
        #expect(try await queue.waiting(of: "", in: name).jobs == 2)
    }

    @Test func aPausedQueueGivesNoJobsUntilResumed() async throws {
        let name = TestEnvironment.uniqueQueue("pause")
        _ = try await enqueue(name)
        try await queue.pause(name)
        let paused = try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w")
        #expect(paused.paused && paused.jobs.isEmpty)
        #expect(try await queue.statistics(of: name).paused)
        try await queue.resume(name)
        #expect(try await queue.reserve(from: name, count: 1, lease: .seconds(15), worker: "w").jobs.count == 1)
    }

    @Test func everyKeyOfAQueueCarriesItsHashTag() async throws {
        let name = TestEnvironment.uniqueQueue("slot")
        _ = try await enqueue(name, count: 3, maxAttempts: 1)
        let jobs = try await queue.reserve(from: name, count: 2, lease: .seconds(15), worker: "w").jobs
        _ = try await queue.complete([(lease: jobs[0].lease, result: "")])
        _ = try await queue.fail(jobs[1].lease, error: "x", retryIn: .zero, permanent: true)
        try await queue.pause(name)
        // KEYS asks one master of a cluster: the one the pattern's hash tag, the queue's, routes to.
        let pattern = TestEnvironment.redisIsCluster ? "*{\(name.rawValue)}*" : "*\(name.rawValue)*"
        let keys = try await redis.send(RedisCommand("KEYS", .string(pattern))).array ?? []
        #expect(keys.count >= 6)
        for key in keys {
            #expect(key.string?.hasPrefix("conveyor:{\(name.rawValue)}:") == true, "key \(key) is outside the queue's slot")
        }
        #expect(try await queue.knownQueues().contains(name))
    }

    @Test func tenantsWaitingJobsCountUntilEachJobIsFirstTakenOrCancelled() async throws {
        let name = TestEnvironment.uniqueQueue("tallies")
        func spec(_ job: JobRequest) -> Int { "\(job.maxAttempts)\n\(job.timeout.components.seconds * 1000)\n\(job.kind)\n\(job.requestID)\n\(job.tenant)\n\(job.payload)".utf8.count }
        let acme = (0..<3).map { JobRequest(kind: "noop", payload: #"{"n":\#($0)}"#, queue: name, tenant: "acme") }
        let later = JobRequest(kind: "noop", queue: name, runAt: Timestamp(microseconds: Timestamp.localNow.microseconds + 60_000_000), tenant: "acme")
        let other = JobRequest(kind: "noop", queue: name, tenant: "globex")
        try await queue.enqueue(acme + [later, other])
        #expect(try await queue.waiting(of: "acme", in: name) == (4, (acme + [later]).map(spec).reduce(0, +)))
        #expect(try await queue.waiting(of: "globex", in: name).jobs == 1)

        // A resend of jobs that exist changes nothing.
        try await queue.enqueue(acme)
        #expect(try await queue.waiting(of: "acme", in: name).jobs == 4)

        // Taken: off the tally, and it stays off through a retry, a hand-back and a deferral.
        let first = try #require(try await queue.reserve(from: name, count: 1, lease: .seconds(30), worker: "w").jobs.first)
        #expect(try await queue.waiting(of: "acme", in: name).jobs == 3)
        #expect(try await queue.handBack([first.lease]) == 1)
        let again = try #require(try await queue.reserve(from: name, count: 3, lease: .seconds(30), worker: "w").jobs.first { $0.id == first.id })
        #expect(try await queue.waiting(of: "acme", in: name).jobs == 1)
        #expect(try await queue.defer(again.lease, until: .localNow))
        #expect(try await queue.promoteDue(in: name) == 1)
        _ = try await queue.reserve(from: name, count: 10, lease: .seconds(30), worker: "w")
        #expect(try await queue.waiting(of: "acme", in: name).jobs == 1)
        #expect(try await queue.waiting(of: "globex", in: name).jobs == 0)

        // The delayed job, cancelled before it ran, leaves the tally empty.
        #expect(try await queue.cancel(later.id) == .cancelled)
        #expect(try await queue.waiting(of: "acme", in: name) == (0, 0))
        let tallies = try await redis.send(RedisCommand("HLEN", .string("conveyor:{\(name)}:tenant_jobs"))).int
        #expect(tallies == 0)
    }

    @Test func aBatchPastATenantsQuotaIsRefusedWholeAndWritesNothing() async throws {
        let name = TestEnvironment.uniqueQueue("quota")
        let quotas = TenantQuotas(default: TenantQuota(jobs: 5, bytes: 0), byTenant: ["big": .unlimited])
        let first = (0..<4).map { _ in JobRequest(kind: "noop", queue: name, tenant: "small") }
        try await queue.enqueue(first, quotas: quotas)
        await #expect(throws: QueueError.tenantQuota(queue: name, tenant: "small", measure: .jobs, waiting: 4, quota: 5)) {
            try await queue.enqueue((0..<2).map { _ in JobRequest(kind: "noop", queue: name, tenant: "small") }, quotas: quotas)
        }
        // At its quota, a resend of jobs that exist creates nothing and is not refused.
        try await queue.enqueue([JobRequest(kind: "noop", queue: name, tenant: "small")], quotas: quotas)
        #expect(try await queue.enqueue(first + [JobRequest(kind: "noop", queue: name, tenant: "big")], quotas: quotas).created == 1)
        #expect(try await queue.waiting(of: "small", in: name).jobs == 5)
        #expect(try await queue.waiting(of: "big", in: name).jobs == 1)
        // One batch of two tenants: refused whole for the one, so the other's jobs are not written either.
        let mixed = [JobRequest(kind: "noop", queue: name, tenant: "big"), JobRequest(kind: "noop", queue: name, tenant: "small"),
                     JobRequest(kind: "noop", queue: name, tenant: "small")]
        await #expect(throws: QueueError.self) { try await queue.enqueue(mixed, quotas: quotas) }
        #expect(try await queue.statistics(of: name).depth == 6)
        #expect(try await queue.waiting(of: "big", in: name).jobs == 1)
        // Without quotas (the system's own jobs), they are counted and not held back.
        try await queue.enqueue((0..<3).map { _ in JobRequest(kind: "noop", queue: name, tenant: "small") })
        #expect(try await queue.waiting(of: "small", in: name).jobs == 8)
    }
}
