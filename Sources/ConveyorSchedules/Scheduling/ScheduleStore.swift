import ConveyorQueue
public import ConveyorRedis

/// Where schedulers record each schedule's ticks: one Redis hash per schedule,
/// `conveyor:schedule:<name>`, written by one script call per tick.
public struct ScheduleStore: Sendable {
    public let redis: RedisClient

    private static let recordTick = RedisScript(String(decoding: PackageResources.record_tick_lua, as: UTF8.self))

    public init(redis: RedisClient) {
        self.redis = redis
    }

    static func key(of scheduleName: String) -> String {
        "conveyor:schedule:\(scheduleName)"
    }

    /// The recorded state of the schedule named `name`.
    public func status(of name: String) async throws -> ScheduleStatus {
        let values = try await redis.send(
            RedisCommand(
                "HMGET", .string(Self.key(of: name)), "last_tick", "last_enqueued_tick", "last_job", "missed", "last_missed_tick"
            )
        ).array ?? []
        func integer(_ index: Int) -> Int? { values.count > index ? values[index].string.flatMap { Int($0) } : nil }
        return ScheduleStatus(
            lastTick: integer(0), lastEnqueuedTick: integer(1), lastJob: values.count > 2 ? values[2].string : nil,
            missed: integer(3) ?? 0, lastMissedTick: integer(4)
        )
    }

    /// What ``record(tick:of:job:missed:lastMissedTick:now:)`` did.
    enum Recording: Equatable {
        /// The tick is recorded; `after` is the tick recorded before it, if any.
        case recorded(after: Int?)
        /// It or a later tick was recorded already.
        case recordedAlready
    }

    /// Records `tick` unless it or a later one is recorded.
    func record(
        tick: Int, of name: String, job: String?, missed: Int, lastMissedTick: Int?, now: Int
    ) async throws -> Recording {
        let reply = try await redis.run(
            Self.recordTick,
            keys: [Self.key(of: name)],
            arguments: [
                .integer(tick), .integer(job == nil ? 0 : 1), .string(job ?? ""), .integer(missed), .integer(lastMissedTick ?? 0),
                .integer(now),
            ]
        )
        guard let previous = try reply.throwingServerError().int else {
            throw QueueError.unexpectedReply(script: "record_tick", reply: "\(reply)")
        }
        switch previous {
        case -1: return .recordedAlready
        case 0: return .recorded(after: nil)
        default: return .recorded(after: previous)
        }
    }
}
