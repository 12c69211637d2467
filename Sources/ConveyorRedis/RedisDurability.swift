/// When Redis's answer to a state change may be trusted to survive a failover.
///
/// Redis replicates asynchronously: a write the master acknowledged is lost if the master fails
/// before a replica copied it and a sentinel promotes that replica. `replicated` closes the gap for
/// the writes that must survive, as a database's synchronous commit does: the client follows each
/// with `WAIT`, and fails the call with ``RedisError/Kind/notReplicated`` when no replica confirmed
/// the copy in time.
public enum RedisDurability: Sendable, Hashable {
    /// The master's acknowledgement suffices: the fastest, and all a server without replicas can give.
    case local
    /// `replicas` replicas must confirm a copy within `timeout`.
    case replicated(replicas: Int, timeout: Duration)
}

extension RedisDurability {
    /// The `WAIT` that follows a write that must survive a failover; nil for `local`.
    var waitCommand: RedisCommand? {
        guard case .replicated(let replicas, let timeout) = self else {
            return nil
        }
        // WAIT's timeout of 0 would wait for ever.
        return RedisCommand("WAIT", .integer(replicas), .integer(max(1, Int(timeout / .milliseconds(1)))))
    }

    /// Throws ``RedisError/Kind/notReplicated`` unless `reply`, `WAIT`'s, counts enough replicas.
    func check(_ reply: RESPValue) throws(RedisError) {
        guard case .replicated(let replicas, let timeout) = self, (reply.int ?? 0) < replicas else {
            return
        }
        throw RedisError(
            kind: .notReplicated,
            message: "Redis ran the write, but \(reply.int ?? 0) of the \(replicas) replicas asked for confirmed it within \(timeout)"
                + (reply.int == nil ? " (\(reply))" : "") + "; check the replicas, or --redis-durability / CONVEYOR_REDIS_DURABILITY"
        )
    }
}
