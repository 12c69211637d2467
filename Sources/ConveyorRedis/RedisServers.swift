/// Where a client's commands go: one server (``RedisNode``), or the masters of a Redis Cluster
/// (``RedisCluster``), each command to the master of its key's slot.
protocol RedisServers: Sendable {
    /// The client's settings.
    var configuration: RedisConfiguration { get }

    /// Sends `commands` in one pipeline per server, the `EVALSHA` ones with their `scripts` (nil for a
    /// command that runs none, see ``RedisConnection/evaluate(_:_:)``), then the `WAIT` that `durability`
    /// asks for on each connection used, and returns the replies in the order of the commands.
    ///
    /// - Throws: ``RedisError`` when a connection fails, and `.notReplicated` when too few replicas
    ///   confirmed; then some of the commands may have run.
    func execute(_ scripts: [RedisScript?], _ commands: [RedisCommand], durability: RedisDurability) async throws -> [RESPValue]

    /// The locator of the server for a command whose first key is `key`, for a blocking connection
    /// to connect through. Called on a thread of the client's: it may block.
    func locator(forKey key: String?) throws(RedisError) -> RedisServerLocator

    /// Takes note of a redirection that a server answered a blocking connection with.
    func follow(_ redirection: RedisRedirection)

    /// Takes note of a blocking connection's failure, which may mean its server is no longer a master.
    func noteFailure(_ error: RedisError)

    /// Closes the connections and stops the threads.
    func shutdown() async
}

extension RedisNode: RedisServers {
    var configuration: RedisConfiguration {
        self.locator.configuration
    }

    func execute(_ scripts: [RedisScript?], _ commands: [RedisCommand], durability: RedisDurability) async throws -> [RESPValue] {
        let wait = durability.waitCommand
        let (replies, waited) = try await self.withConnection { connection throws(RedisError) in
            try connection.evaluate(scripts, commands, thenSending: wait)
        }
        if let waited {
            try durability.check(waited)
        }
        return replies
    }

    func locator(forKey key: String?) -> RedisServerLocator {
        self.locator
    }

    func follow(_ redirection: RedisRedirection) {}

    /// Nothing to do: the locator, which the blocking connection tells too, finds another master.
    func noteFailure(_ error: RedisError) {}
}
