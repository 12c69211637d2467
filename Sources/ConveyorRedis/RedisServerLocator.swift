import NIOConcurrencyHelpers

/// Finds the Redis server to use and opens connections to it: the configured address, or the
/// master that the sentinels name, which a failover changes.
///
/// Every master learnt of starts a generation. A connection carries the generation it was opened
/// in, and the client closes those of an earlier one instead of using them, so that each pool and
/// blocking connection moves to the new master. The methods that open connections block: only the
/// client's own threads call them.
final class RedisServerLocator: Sendable {
    private struct State {
        /// The master to connect to; `nil` when the sentinels must be asked again.
        var master: RedisServerAddress?
        /// The master of the current generation, kept while `master` is forgotten, so that finding
        /// the same master again keeps the connections open to it.
        var current: RedisServerAddress?
        var generation: UInt64 = 0
    }

    let configuration: RedisConfiguration
    private let state = NIOLockedValueBox(State())

    init(configuration: RedisConfiguration) {
        self.configuration = configuration
    }

    /// The generation of the master connections must be open to.
    var generation: UInt64 {
        self.state.withLockedValue { $0.generation }
    }

    /// `connection`, an idle one about to serve again, unless it was opened to an earlier master:
    /// then it is closed, and the answer is nil, for a new one to be opened.
    func reusable(_ connection: RedisConnection?) -> RedisConnection? {
        guard let connection, connection.generation != self.generation else {
            return connection
        }
        connection.close()
        return nil
    }

    /// Whether `connection`, just used, may serve again: not when it answered as a replica, which
    /// also forgets its master, nor when it was opened to an earlier master.
    func mayKeep(_ connection: RedisConnection) -> Bool {
        if connection.answeredAsReplica {
            self.forgetMaster(ofGeneration: connection.generation)
            return false
        }
        return connection.generation == self.generation
    }

    /// Opens a connection to the configured server; with Sentinel, to the master, asking the
    /// sentinels when it is not known and checking with `ROLE` that it is a master.
    func connect() throws(RedisError) -> RedisConnection {
        guard let sentinel = self.configuration.sentinel else {
            return try RedisConnection(configuration: self.configuration, generation: 0)
        }
        // A master that turns out unreachable or demoted is asked for once more: the sentinels may
        // have finished a failover meanwhile.
        var failure = RedisError(kind: .connectionFailed, message: "")
        for _ in 0..<2 {
            let (address, generation) = try self.master(of: sentinel)
            do throws(RedisError) {
                let connection = try RedisConnection(configuration: self.configuration.reaching(address), generation: generation)
                do {
                    try Self.checkIsMaster(connection, at: address)
                } catch {
                    connection.close()
                    throw error
                }
                return connection
            } catch {
                self.forgetMaster(ofGeneration: generation)
                failure = error
            }
        }
        throw failure
    }

    /// Forgets the master of `generation` when `error` may mean it is no longer the master, so
    /// that the next connection asks the sentinels.
    func noteFailure(_ error: RedisError, generation: UInt64) {
        guard self.configuration.sentinel != nil, error.suggestsAnotherMaster else {
            return
        }
        self.forgetMaster(ofGeneration: generation)
    }

    /// Forgets the master of `generation`, so that the next connection asks the sentinels.
    private func forgetMaster(ofGeneration generation: UInt64) {
        self.state.withLockedValue { state in
            if state.generation == generation {
                state.master = nil
            }
        }
    }

    /// Takes `address` as the master, as a sentinel announced it; returns whether it is a new one.
    @discardableResult
    func adopt(_ address: RedisServerAddress) -> Bool {
        self.state.withLockedValue { Self.take(address, into: &$0) }
    }

    /// Makes `address` the master, starting a generation when it is another; returns whether it is.
    private static func take(_ address: RedisServerAddress, into state: inout State) -> Bool {
        state.master = address
        guard state.current != address else {
            return false
        }
        state.current = address
        state.generation += 1
        return true
    }

    /// Asks the sentinels for the master and takes their answer; returns whether it is a new one.
    @discardableResult
    func refresh() throws(RedisError) -> Bool {
        guard let sentinel = self.configuration.sentinel else {
            return false
        }
        return self.adopt(try self.askSentinels(sentinel))
    }

    /// The settings of a connection to the sentinel at `address`.
    func sentinelConfiguration(_ address: RedisServerAddress) -> RedisConfiguration {
        RedisConfiguration(
            host: address.host,
            port: address.port,
            username: self.configuration.sentinel?.username,
            password: self.configuration.sentinel?.password,
            connectTimeout: self.configuration.connectTimeout,
            commandTimeout: self.configuration.connectTimeout,
            poolSize: 1
        )
    }

    private func master(of sentinel: RedisSentinelSettings) throws(RedisError) -> (RedisServerAddress, UInt64) {
        if let known = self.state.withLockedValue({ state in state.master.map { ($0, state.generation) } }) {
            return known
        }
        let address = try self.askSentinels(sentinel)
        return self.state.withLockedValue { state in
            Self.take(address, into: &state)
            return (address, state.generation)
        }
    }

    /// The master's address from the first sentinel, in the configured order, that knows it.
    private func askSentinels(_ sentinel: RedisSentinelSettings) throws(RedisError) -> RedisServerAddress {
        var failures: [String] = []
        var unaware: [String] = []
        let question = RedisCommand("SENTINEL", "get-master-addr-by-name", .string(sentinel.masterName))
        for address in sentinel.sentinels {
            let reply: RESPValue
            do {
                let connection = try RedisConnection(configuration: self.sentinelConfiguration(address), generation: 0)
                defer { connection.close() }
                reply = try connection.send(question)
            } catch {
                failures.append("\(address): \(error.message)")
                continue
            }
            if let pair = reply.array, pair.count == 2, let host = pair[0].string, let port = pair[1].string.flatMap({ Int($0) }) {
                return RedisServerAddress(host: host, port: port)
            }
            if case .error(let message) = reply {
                failures.append("\(address): \(message)")
            } else {
                unaware.append(address.description)
            }
        }
        let setting = "check the sentinels and the master's name in CONVEYOR_REDIS_URL (redis+sentinel://host:26379,…/MASTER)"
        if failures.isEmpty {
            throw Self.failure("no sentinel knows a master named '\(sentinel.masterName)' (asked \(unaware.joined(separator: ", "))); \(setting)")
        }
        let unawareText = unaware.isEmpty ? "" : "; \(unaware.joined(separator: ", ")) know no master '\(sentinel.masterName)'"
        throw Self.failure("no sentinel named the master '\(sentinel.masterName)': \(failures.joined(separator: "; "))\(unawareText); \(setting)")
    }

    private static func failure(_ message: String) -> RedisError {
        RedisError(kind: .connectionFailed, message: message)
    }

    /// Throws unless the server says it is a master. A user whose ACL denies `ROLE` is taken at the
    /// sentinels' word.
    private static func checkIsMaster(_ connection: RedisConnection, at address: RedisServerAddress) throws(RedisError) {
        let reply = try connection.send(RedisCommand("ROLE"))
        if case .error(let message) = reply, message.hasPrefix("NOPERM") {
            return
        }
        guard let role = reply.array?.first?.string else {
            throw RedisError(kind: .protocol, message: "Redis at \(address) answered ROLE with \(reply)")
        }
        guard role == "master" else {
            throw RedisError(kind: .connectionFailed, message: "Redis at \(address), named master by the sentinels, is a \(role): a failover is under way")
        }
    }
}
