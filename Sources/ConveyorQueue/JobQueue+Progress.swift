public import ConveyorRedis

extension JobQueue {
    /// Records the progress of a running attempt in its job's hash (`progress.lua`), stamped
    /// with the Redis clock and the attempt's number. Fenced: an attempt that no longer holds
    /// its lease writes nothing.
    /// - Returns: `false` when the attempt no longer holds its lease.
    public func recordProgress(_ progress: JobProgress, of lease: JobLease, attempt: Int) async throws -> Bool {
        let keys = keys(of: lease.id)
        let reply = try await redis.run(
            QueueScripts.progress,
            keys: keys.declaring(keys.active),
            arguments: [
                .string(keys.prefix), .string(lease.id.description), .string(lease.token), .integer(progress.done),
                .integer(progress.total), .integer(attempt), .string(progress.message),
            ]
        )
        switch try reply.throwingServerError().int {
        case 1: return true
        case 0: return false
        default: throw QueueError.unexpectedReply(script: "progress", reply: "\(reply)")
        }
    }
}
