import ConveyorRedis

extension JobQueue {
    /// A progress report of a running attempt, as ``recordProgress(_:)`` writes it.
    public struct ProgressRecord: Sendable {
        public var progress: JobProgress
        public var lease: JobLease
        public var attempt: Int

        public init(_ progress: JobProgress, of lease: JobLease, attempt: Int) {
            self.progress = progress
            self.lease = lease
            self.attempt = attempt
        }
    }

    /// Records the progress of a running attempt in its job's hash (`progress.lua`), stamped
    /// with the Redis clock and the attempt's number. Fenced: an attempt that no longer holds
    /// its lease writes nothing.
    /// - Returns: `false` when the attempt no longer holds its lease.
    public func recordProgress(_ progress: JobProgress, of lease: JobLease, attempt: Int) async throws -> Bool {
        try await recordProgress([ProgressRecord(progress, of: lease, attempt: attempt)])[0]
    }

    /// Records the progress of several running attempts in one round trip, each fenced as
    /// ``recordProgress(_:of:attempt:)`` is. Returns, in order, whether each was written.
    public func recordProgress(_ records: [ProgressRecord]) async throws -> [Bool] {
        guard !records.isEmpty else { return [] }
        let calls = records.map { record in
            let keys = keys(of: record.lease.id)
            return (
                script: QueueScripts.progress, keys: keys.declaring(keys.active),
                arguments: [
                    RedisArgument.string(keys.prefix), .string(record.lease.id.description), .string(record.lease.token),
                    .integer(record.progress.done), .integer(record.progress.total), .integer(record.attempt), .string(record.progress.message),
                ]
            )
        }
        return try await redis.runPipelined(calls).map { reply in
            switch try reply.throwingServerError().int {
            case 1: return true
            case 0: return false
            default: throw QueueError.unexpectedReply(script: "progress", reply: "\(reply)")
            }
        }
    }
}
