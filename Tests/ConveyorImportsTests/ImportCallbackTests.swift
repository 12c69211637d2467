import ConveyorExternal
import ConveyorImports
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// Import callbacks delivered by a real `conveyor worker` to a receiver on loopback that
/// fails, then recovers: the breaker of the receiver's host opens, the callback jobs are
/// deferred without spending attempts, and once the receiver answers every import's
/// callback arrives, its repeats all carrying the import's delivery id.
@Suite(.serialized) struct ImportCallbackTests {
    static let webhookSecret = "whsec-test-0123456789abcdef"
    /// What the failing receiver answers; what a producer may never read.
    static let receiverSecret = "receiver says: the admin password is hunter2"

    /// What the receiver was sent, and whether it fails.
    final class Receiver: Sendable {
        struct Delivery: Sendable {
            let importID: String
            let deliveryID: String
            let attempt: Int
            let status: Int
            let state: String
            let signature: String
            let body: [UInt8]
        }

        private let state = Mutex<(failing: Bool, deliveries: [Delivery])>((true, []))

        var failing: Bool {
            get { state.withLock { $0.failing } }
            set { state.withLock { $0.failing = newValue } }
        }

        var deliveries: [Delivery] { state.withLock { $0.deliveries } }

        /// Answers 500 while failing, else 200, and records the delivery.
        func take(_ body: ByteBuffer, headers: HTTPFields) -> HTTPResponse.Status {
            let record = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
            return state.withLock { state in
                let status: HTTPResponse.Status = state.failing ? .internalServerError : .ok
                state.deliveries.append(
                    Delivery(
                        importID: record?["id"] as? String ?? "", deliveryID: headers[.init("Conveyor-Delivery-Id")!] ?? "",
                        attempt: headers[.init("Conveyor-Attempt")!].flatMap { Int($0) } ?? 0, status: Int(status.code),
                        state: record?["state"] as? String ?? "", signature: headers[.init("Conveyor-Signature")!] ?? "",
                        body: Array(body.readableBytesView)
                    )
                )
                return status
            }
        }
    }

    @Test func callbacksAreDeferredWhileTheBreakerIsOpenAndAllArriveOnceTheReceiverRecovers() async throws {
        let receiver = Receiver()
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let status = receiver.take(body, headers: request.headers)
            return Response(status: status, body: .init(byteBuffer: ByteBuffer(string: status == .ok ? "" : Self.receiverSecret)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let hook = try ExternalURL("http://127.0.0.1:\(try #require(client.port))/hook")
            try await ImportFixture.with("callbacks") { fixture async throws in
                try await Self.forgetBreaker(of: hook, in: fixture.redis)
                var imports: [ImportReceipt] = []
                for n in 0..<3 {
                    let rows = ImportFixture.products(10, first: 1 + 10 * n)
                    imports.append(try await fixture.accept(rows, options: ImportOptions(chunkSize: 5, callbackURL: hook)))
                }
                let importIDs = Set(imports.map(\.id))

                let worker = try ConveyorProcess(
                    [
                        "worker", "--queues", fixture.queueName.rawValue, "--concurrency", "4", "--lease", "3",
                        "--breaker-minimum-calls", "2", "--breaker-failure-rate", "0.5", "--breaker-window", "30",
                        "--breaker-cool-down", "1", "--external-timeout", "2",
                    ],
                    environment: [
                        "CONVEYOR_REDIS_URL": try TestEnvironment.redisURL(), "CONVEYOR_DATABASE_URL": fixture.databaseURL,
                        // The receiver listens on loopback, which only an operator's exception lets calls reach.
                        "CONVEYOR_EXTERNAL_ALLOW": "127.0.0.1", "CONVEYOR_WEBHOOK_SECRET": Self.webhookSecret,
                    ]
                )

                // The receiver fails: after two failed calls the breaker opens, and the callbacks
                // that find it open (or half-open with its probe under way) are deferred.
                let deferred = try await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
                    worker.attemptLines.contains { $0["kind"] as? String == "import_callback" && $0["outcome"] as? String == "deferred" }
                }
                try #require(deferred, "no callback was deferred: \(worker.output.suffix(3000))")
                let opened = try #require(try await BreakerStatus.all(from: fixture.redis).first { $0.dependency == hook.dependency })
                #expect(opened.transitionCounts[.open, default: 0] >= 1)
                #expect(opened.recentTransitions.last?.from == .closed && opened.recentTransitions.last?.to == .open)
                #expect(receiver.deliveries.allSatisfy { $0.status == 500 })
                // The producer reads the status of a failed delivery, never the receiver's answer; the log has it.
                let callbackIDs = try imports.map { try JobID("\(fixture.queueName.rawValue).\($0.id)") }
                var errors: [String] = []
                let failed = try await eventually(timeout: .seconds(10), interval: .milliseconds(100)) {
                    errors = []
                    for id in callbackIDs { if let error = try await fixture.queue.job(id)?.error { errors.append(error) } }
                    return !errors.isEmpty
                }
                #expect(failed, "no callback job has recorded its failure")
                #expect(errors.allSatisfy { $0.hasSuffix("/hook answered 500") && !$0.contains("hunter2") }, "\(errors)")
                #expect(worker.output.contains(Self.receiverSecret))

                receiver.failing = false
                let delivered = try await eventually(timeout: .seconds(90), interval: .milliseconds(100)) {
                    Set(receiver.deliveries.filter { $0.status == 200 }.map(\.importID)) == importIDs
                }
                try #require(delivered, "not every callback arrived: \(worker.output.suffix(3000))")

                // Each import's callback arrived once as a success; every repeat of it carried the
                // same delivery id, the import's, and the final record.
                let deliveries = receiver.deliveries
                for id in importIDs {
                    let mine = deliveries.filter { $0.importID == id }
                    #expect(mine.filter { $0.status == 200 }.count == 1)
                    #expect(mine.allSatisfy { $0.deliveryID == id && $0.state == "succeeded" })
                    #expect(mine.map(\.attempt) == Array(1...mine.count), "attempts \(mine.map(\.attempt)) of \(id)")
                }
                #expect(deliveries.count > importIDs.count, "the receiver's failures made repeats")
                // Every delivery is signed, and verifies as the README tells receivers to verify it.
                for delivery in [deliveries.first!, deliveries.last!] {
                    #expect(try Self.verifies(delivery), "signature \(delivery.signature)")
                }
                var forged = deliveries.last!
                forged = Receiver.Delivery(
                    importID: forged.importID, deliveryID: forged.deliveryID, attempt: forged.attempt, status: forged.status,
                    state: forged.state, signature: forged.signature, body: forged.body + Array(" ".utf8)
                )
                #expect(try Self.verifies(forged) == false)

                // One callback job per import, with the id derived from the import's; deferrals
                // spent none of its attempts: its attempt count is the receiver's count of its calls.
                // The receiver answers before the worker acknowledges the job.
                let callbackJobs = try importIDs.map { try JobID("\(fixture.queueName.rawValue).\($0)") }
                let acknowledged = try await eventually(timeout: .seconds(20)) {
                    for jobID in callbackJobs where try await fixture.queue.job(jobID)?.state != .succeeded { return false }
                    return true
                }
                #expect(acknowledged, "the callback jobs were delivered but not all acknowledged")
                let lines = try await worker.attemptLines(atLeast: 1).filter { $0["kind"] as? String == "import_callback" }
                for id in importIDs {
                    let jobID = try JobID("\(fixture.queueName.rawValue).\(id)")
                    let job = try #require(try await fixture.queue.job(jobID))
                    #expect(job.state == .succeeded)
                    #expect(job.attempt == deliveries.filter { $0.importID == id }.count)
                    let mine = lines.filter { $0["job_id"] as? String == jobID.description }
                    // Each line's attempt is one more than the failed attempts before it.
                    var failedBefore = 0
                    for line in mine {
                        #expect(line["attempt"] as? Int == failedBefore + 1)
                        if line["outcome"] as? String == "failed" { failedBefore += 1 }
                    }
                }
                let deferrals = lines.filter { $0["outcome"] as? String == "deferred" }
                #expect(deferrals.allSatisfy { $0["state"] as? String == "scheduled" })
                #expect(deferrals.allSatisfy { ["open", "half_open"].contains($0["breaker"] as? String) })
                #expect(lines.filter { $0["outcome"] as? String == "succeeded" }.allSatisfy { $0["breaker"] as? String == "closed" })
                let countsAgree = try await eventually(timeout: .seconds(5)) {
                    let logged = worker.attemptLines.filter { $0["outcome"] as? String == "deferred" }.count
                    return try await fixture.queue.statistics(of: fixture.queueName).deferred == logged
                }
                #expect(countsAgree, "every deferral is in the queue's counter and has its timing line")

                // A chunk delivered again after the import finished enqueues no second callback.
                let first = imports[0]
                let callbackID = try JobID("\(fixture.queueName.rawValue).\(first.id)")
                let before = try #require(try await fixture.queue.job(callbackID))
                let again = JobRequest(
                    kind: BatchCreate.kind, payload: #"{"import_id":"\#(first.id)","chunk":1}"#, queue: fixture.queueName,
                    maxAttempts: BatchCreate.maxAttempts, timeout: BatchCreate.timeout, tenant: "acme"
                )
                try await fixture.queue.enqueue([again])
                let rerun = try await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
                    try await fixture.queue.job(again.id)?.state == .succeeded
                }
                #expect(rerun)
                #expect(try await fixture.queue.job(callbackID) == before)
                #expect(receiver.deliveries.count == deliveries.count)

                worker.signal(SIGTERM)
                _ = try await worker.waitForExit(timeout: .seconds(30))
            }
        }
    }

    /// Whether `delivery`'s `Conveyor-Signature` verifies with the README's recipe for receivers (Python).
    static func verifies(_ delivery: Receiver.Delivery) throws -> Bool {
        let recipe = """
            import hashlib, hmac, sys, time
            def verify(secret, header, body, tolerance=300):
                fields = dict(item.split("=", 1) for item in header.split(","))
                expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
                return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) <= tolerance
            sys.exit(0 if verify(sys.argv[1], sys.argv[2], sys.stdin.buffer.read()) else 1)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", recipe, webhookSecret, delivery.signature]
        let input = Pipe()
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data(delivery.body))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Removes what an earlier run left of the breaker of `url`'s host (a port can come again).
    static func forgetBreaker(of url: ExternalURL, in redis: RedisClient) async throws {
        let keys = try await redis.send(RedisCommand("KEYS", .string("conveyor:breaker:{\(url.dependency)}:*"))).array ?? []
        guard !keys.isEmpty else { return }
        _ = try await redis.send(RedisCommand("DEL", keys.compactMap { $0.string.map(RedisArgument.string) }))
    }
}
