extension RedisClient {
    /// Why Redis cannot be reached now (its `PING` failed), or nil when it answers: what a
    /// process's `/health` reports.
    public func unreachableReason() async -> String? {
        do {
            _ = try await send(RedisCommand("PING"))
            return nil
        } catch {
            return "cannot reach Redis: \(error)"
        }
    }
}
