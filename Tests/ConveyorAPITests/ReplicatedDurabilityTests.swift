import ConveyorAPI
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("Replicated durability: an enqueue no replica confirmed")
struct ReplicatedDurabilityTests {
    @Test("is a 503 not-replicated; the retry with the same Idempotency-Key, once a replica is there, creates the job once")
    func unconfirmedEnqueueIsRetriedOnce() async throws {
        let master = try await PrivateRedis()
        let queue = TestEnvironment.uniqueQueue("replicated")
        let key = "test-\(UUID().uuidString)"
        let body = #"{"kind": "noop", "queue": "\#(queue)"}"#
        try await APITestApp.run(redisURL: master.url, redisDurability: .replicated(replicas: 1, timeout: .seconds(1))) { client, services in
            let refused = try await client.post("/v1/jobs", json: body, headers: [.idempotencyKey: key])
            try refused.expectProblem(.serviceUnavailable, type: "not-replicated", naming: "send it again with the same Idempotency-Key")
            #expect(refused.headers[.retryAfter] == "5")
            // The master ran the enqueue all the same.
            #expect(try await services.queue.statistics(of: queue).depth == 1)

            let replica = try await PrivateRedis(arguments: ["--replicaof", "127.0.0.1", "\(master.port)"])
            let online = try await eventually(timeout: .seconds(10)) {
                let info = try await services.redis.send(RedisCommand("INFO", "replication")).string ?? ""
                return info.contains("state=online")
            }
            #expect(online)
            // Retried as a client would, while the new replica may still be catching up.
            var accepted: HTTPResponse.Status?
            _ = try await eventually(timeout: .seconds(20), interval: .milliseconds(200)) {
                accepted = try await client.post("/v1/jobs", json: body, headers: [.idempotencyKey: key]).status
                return accepted == .accepted
            }
            #expect(accepted == .accepted)
            #expect(try await services.queue.statistics(of: queue).depth == 1)
            let replicaClient = RedisClient(configuration: try RedisConfiguration(url: replica.url), logger: .init(label: "replica"))
            #expect(try await replicaClient.send(RedisCommand("LLEN", .string("conveyor:{\(queue)}:ready"))).int == 1)
            await replicaClient.shutdown()
        }
    }
}
