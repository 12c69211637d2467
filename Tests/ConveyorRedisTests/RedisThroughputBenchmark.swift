import ConveyorRedis
import Foundation
import Testing

/// Round trips per second, for comparing with `redis-benchmark -t ping`; opt-in with CONVEYOR_REDIS_BENCHMARK=1,
/// and meaningful in a release build (`swift test -c release`).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["CONVEYOR_REDIS_BENCHMARK"] == "1"))
struct RedisThroughputBenchmark {
    @Test func sequentialPings() async throws {
        try await TestRedis.withClient { client throws in
            let count = 50_000
            var latencies: [Duration] = []
            latencies.reserveCapacity(count)
            let elapsed = try await Self.measure {
                for _ in 0..<count {
                    let start = ContinuousClock.now
                    try await client.send(RedisCommand("PING"))
                    latencies.append(ContinuousClock.now - start)
                }
            }
            latencies.sort()
            Self.report("send(PING), one caller", operations: count, elapsed: elapsed)
            print("send(PING) latency: p50 \(latencies[count / 2]), p99 \(latencies[count * 99 / 100]), max \(latencies[count - 1])")
        }
    }

    @Test func concurrentPings() async throws {
        try await TestRedis.withClient { client throws in
            let callers = 8
            let countPerCaller = 20_000
            let elapsed = try await Self.measure {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<callers {
                        group.addTask {
                            for _ in 0..<countPerCaller {
                                try await client.send(RedisCommand("PING"))
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            Self.report("send(PING), \(callers) callers", operations: callers * countPerCaller, elapsed: elapsed)
        }
    }

    @Test func pipelinedPings() async throws {
        try await TestRedis.withClient { client throws in
            let batches = 5_000
            let batch = Array(repeating: RedisCommand("PING"), count: 100)
            let elapsed = try await Self.measure {
                for _ in 0..<batches {
                    try await client.pipeline(batch)
                }
            }
            Self.report("pipeline of 100 PINGs", operations: batches * batch.count, elapsed: elapsed)
        }
    }

    @Test func pipelinedScripts() async throws {
        let key = TestRedis.keyPrefix() + "counter"
        let script = RedisScript("return redis.call('INCR', KEYS[1])")
        try await TestRedis.withClient { client throws in
            let batches = 2_000
            let elapsed = try await Self.measure {
                for _ in 0..<batches {
                    let calls = (0..<100).map { _ in (script: script, keys: [key], arguments: [RedisArgument]()) }
                    _ = try await client.runPipelined(calls)
                }
            }
            Self.report("runPipelined of 100 EVALSHA", operations: batches * 100, elapsed: elapsed)
            try await client.send(RedisCommand("DEL", .string(key)))
        }
    }

    private static func measure(_ body: () async throws -> Void) async rethrows -> Duration {
        let start = ContinuousClock.now
        try await body()
        return ContinuousClock.now - start
    }

    private static func report(_ name: String, operations: Int, elapsed: Duration) {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("\(name): \(Int(Double(operations) / seconds)) per second (\(operations) in \(elapsed))")
    }
}
