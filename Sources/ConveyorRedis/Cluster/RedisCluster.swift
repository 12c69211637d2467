import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// The masters of a Redis Cluster: a ``RedisNode`` per master, and the slot map that sends each
/// command to the master of its key's slot.
///
/// The map is read with `CLUSTER SLOTS` from a master already known, or else from a seed of
/// ``RedisClusterSettings``, before the first command, and again when a master says a slot moved
/// (`MOVED`) or cannot be reached: a failover gives its slots to a replica. A command answered
/// with `MOVED` is sent again to the master named, one answered with `ASK` to the master named
/// after `ASKING` (the slot is being moved there), and one answered with `TRYAGAIN` (the move
/// has split its keys) again after a pause, until the move is over.
///
/// The nodes of masters that leave the map stay, idle, for a failover back; there are as many as
/// the cluster has had masters.
final class RedisCluster: RedisServers {
    private struct State {
        var map = RedisSlotMap()
        var nodes: [RedisServerAddress: RedisNode] = [:]
        /// Set when the map may be out of date: a slot moved or a master failed.
        var isStale = true
        var readAt: ContinuousClock.Instant?
        var isShutDown = false
    }

    let configuration: RedisConfiguration
    private let settings: RedisClusterSettings
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    /// The thread on which the map is read for calls from Swift's tasks; blocking connections read
    /// it on their own.
    private let reader = NIOThreadPool(numberOfThreads: 1)

    /// The shortest time between two reads of the map, so that a cluster answering `MOVED` to
    /// many calls at once, or a master that is down, is not asked for it by each of them.
    static let readInterval = Duration.milliseconds(100)
    /// How many times a command follows `MOVED` or `ASK` before its last answer is returned.
    static let redirectLimit = 8
    /// How long a command answered `TRYAGAIN` is sent again, in pauses growing up to
    /// ``tryAgainPause``, before that answer is returned: about as long as a slot of a busy
    /// queue takes to move.
    static let tryAgainLimit = Duration.seconds(10)
    static let tryAgainPause = Duration.milliseconds(50)

    init(configuration: RedisConfiguration, settings: RedisClusterSettings, logger: Logger) {
        self.configuration = configuration
        self.settings = settings
        self.logger = logger
        self.reader.start()
    }

    func execute(_ scripts: [RedisScript?], _ commands: [RedisCommand], durability: RedisDurability) async throws -> [RESPValue] {
        var replies = [RESPValue](repeating: .null, count: commands.count)
        var pending = Array(commands.indices)
        var asking: [Int: RedisServerAddress] = [:]
        var redirects = 0
        let clock = ContinuousClock()
        let started = clock.now
        var pause = Duration.milliseconds(5)
        while true {
            let map = try await self.currentMap()
            var groups: [RedisServerAddress: [Int]] = [:]
            for index in pending {
                do {
                    groups[try asking[index] ?? Self.master(forKey: commands[index].routingKey, in: map), default: []].append(index)
                } catch {
                    self.markStale()
                    throw error
                }
            }
            let sent = asking
            asking.removeAll()
            let answers = try await self.send(groups, scripts, commands, asking: Set(sent.keys), durability: durability)
            var again: [Int] = []
            var mustPause = false
            for (address, indices) in groups {
                for (index, reply) in zip(indices, answers[address]!) {
                    replies[index] = reply
                    switch RedisRedirection(reply, answeredBy: address) {
                    case .moved(let slot, let target)?:
                        self.follow(.moved(slot: slot, to: target))
                        again.append(index)
                    case .ask(_, let target)?:
                        asking[index] = target
                        again.append(index)
                    case .tryAgain?:
                        mustPause = true
                        again.append(index)
                    case nil:
                        if case .error(let message) = reply, message.hasPrefix("CLUSTERDOWN") {
                            // A master failed, and its replica may have taken its slots since.
                            self.markStale()
                        }
                    }
                }
            }
            guard !again.isEmpty else {
                return replies
            }
            if mustPause {
                guard started.duration(to: clock.now) < Self.tryAgainLimit else {
                    return replies
                }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, Self.tryAgainPause)
            } else {
                redirects += 1
                guard redirects <= Self.redirectLimit else {
                    return replies
                }
            }
            pending = again.sorted()
        }
    }

    /// Sends each group of commands to its master, at once, and returns the replies by master.
    private func send(
        _ groups: [RedisServerAddress: [Int]], _ scripts: [RedisScript?], _ commands: [RedisCommand], asking: Set<Int>,
        durability: RedisDurability
    ) async throws -> [RedisServerAddress: [RESPValue]] {
        if groups.count == 1, let (address, indices) = groups.first {
            return [address: try await self.send(indices, scripts, commands, to: address, asking: asking, durability: durability)]
        }
        return try await withThrowingTaskGroup(of: (RedisServerAddress, [RESPValue]).self) { group in
            for (address, indices) in groups {
                group.addTask {
                    (address, try await self.send(indices, scripts, commands, to: address, asking: asking, durability: durability))
                }
            }
            var answers: [RedisServerAddress: [RESPValue]] = [:]
            for try await (address, replies) in group {
                answers[address] = replies
            }
            return answers
        }
    }

    /// Sends the commands at `indices` to the master at `address`, each of those in `asking` after an
    /// `ASKING` (whose reply is dropped).
    private func send(
        _ indices: [Int], _ scripts: [RedisScript?], _ commands: [RedisCommand], to address: RedisServerAddress,
        asking: Set<Int>, durability: RedisDurability
    ) async throws -> [RESPValue] {
        let node = try self.node(at: address)
        var groupScripts: [RedisScript?] = []
        var groupCommands: [RedisCommand] = []
        var askingPositions: Set<Int> = []
        for index in indices {
            if asking.contains(index) {
                askingPositions.insert(groupCommands.count)
                groupScripts.append(nil)
                groupCommands.append(Self.askingCommand)
            }
            groupScripts.append(scripts[index])
            groupCommands.append(commands[index])
        }
        do {
            let replies = try await node.execute(groupScripts, groupCommands, durability: durability)
            guard !askingPositions.isEmpty else {
                return replies
            }
            return replies.indices.filter { !askingPositions.contains($0) }.map { replies[$0] }
        } catch let error as RedisError {
            self.noteFailure(error)
            throw error
        }
    }

    private static let askingCommand = RedisCommand("ASKING")

    /// The master that serves `key`'s slot in `map`; any master for a command of no key.
    private static func master(forKey key: String?, in map: RedisSlotMap) throws(RedisError) -> RedisServerAddress {
        guard let key else {
            guard let any = map.masters.first else {
                throw RedisError(kind: .server, message: "CLUSTERDOWN no master serves a slot")
            }
            return any
        }
        let slot = RedisKeySlot.of(key)
        guard let master = map.master(of: slot) else {
            throw RedisError(kind: .server, message: "CLUSTERDOWN Hash slot \(slot) is served by no master")
        }
        return master
    }

    func locator(forKey key: String?) throws(RedisError) -> RedisServerLocator {
        try self.node(at: Self.master(forKey: key, in: self.currentMapReadingHere())).locator
    }

    func follow(_ redirection: RedisRedirection) {
        guard case .moved(let slot, let target) = redirection else {
            return
        }
        self.state.withLockedValue { state in
            state.map.assign(slot, to: target)
            state.isStale = true
        }
    }

    func noteFailure(_ error: RedisError) {
        if error.suggestsAnotherMaster {
            self.markStale()
        }
    }

    /// Has the map read again before the next command (or after ``readInterval``).
    private func markStale() {
        self.state.withLockedValue { $0.isStale = true }
    }

    func shutdown() async {
        let nodes = self.state.withLockedValue { state in
            state.isShutDown = true
            return Array(state.nodes.values)
        }
        for node in nodes {
            await node.shutdown()
        }
        try? await self.reader.shutdownGracefully()
    }

    /// The node of the master at `address`, made on first use.
    private func node(at address: RedisServerAddress) throws(RedisError) -> RedisNode {
        let node: RedisNode? = self.state.withLockedValue { state in
            guard !state.isShutDown else {
                return nil
            }
            if let known = state.nodes[address] {
                return known
            }
            let node = RedisNode(locator: RedisServerLocator(configuration: self.configuration.reaching(address)), logger: self.logger)
            state.nodes[address] = node
            return node
        }
        guard let node else {
            throw RedisError.clientShutDown
        }
        return node
    }

    // MARK: The slot map

    /// The map, read first on the reader thread when it was never read, or is stale and was read
    /// longer than ``readInterval`` ago.
    private func currentMap() async throws -> RedisSlotMap {
        let (map, due) = self.mapAndWhetherDue()
        guard due else {
            return map
        }
        let asked = ContinuousClock.now
        do {
            return try await self.reader.runIfActive { () throws(RedisError) -> RedisSlotMap in
                try self.readMap(unlessReadSince: asked)
            }
        } catch let error as RedisError {
            throw error
        } catch {
            // The reader thread stopped: the client shut down.
            throw self.state.withLockedValue { $0.isShutDown } ? RedisError.clientShutDown : error
        }
    }

    /// As ``currentMap()``, reading on the calling thread.
    private func currentMapReadingHere() throws(RedisError) -> RedisSlotMap {
        let (map, due) = self.mapAndWhetherDue()
        guard due else {
            return map
        }
        return try self.readMap(unlessReadSince: ContinuousClock.now)
    }

    private func mapAndWhetherDue() -> (RedisSlotMap, Bool) {
        self.state.withLockedValue { state in
            guard let readAt = state.readAt else {
                return (state.map, true)
            }
            return (state.map, (state.isStale || state.map.masters.isEmpty) && readAt.duration(to: .now) >= Self.readInterval)
        }
    }

    /// Reads the map with `CLUSTER SLOTS`, asking the known masters, then the seeds, until one
    /// answers; a read finished after `asked` serves instead. Blocks.
    private func readMap(unlessReadSince asked: ContinuousClock.Instant) throws(RedisError) -> RedisSlotMap {
        let (known, lastRead) = self.state.withLockedValue { ($0.map, $0.readAt) }
        if let lastRead, lastRead > asked {
            return known
        }
        var failures: [String] = []
        var candidates = known.masters
        for seed in self.settings.seeds where !candidates.contains(seed) {
            candidates.append(seed)
        }
        for address in candidates {
            let reply: RESPValue
            do {
                let connection = try RedisConnection(configuration: self.configuration.reaching(address), generation: 0)
                defer { connection.close() }
                reply = try connection.send(Self.slotsCommand)
            } catch {
                failures.append("\(address): \(error.message)")
                continue
            }
            if case .error(let message) = reply {
                failures.append(
                    message.contains("cluster support disabled")
                        ? "\(address) is not a cluster node (it runs without cluster-enabled yes)" : "\(address): \(message)")
                continue
            }
            let map = try RedisSlotMap(clusterSlots: reply, askedAt: address)
            guard !map.masters.isEmpty else {
                failures.append("\(address) knows no master serving a slot: the cluster is not set up yet")
                continue
            }
            if map != known {
                self.logger.info("read the Redis Cluster's slot map", metadata: ["masters": "\(map.masters.map(\.description))"])
            }
            self.state.withLockedValue { state in
                state.map = map
                state.isStale = false
                state.readAt = .now
            }
            return map
        }
        self.state.withLockedValue { $0.readAt = .now }
        throw RedisError(
            kind: .connectionFailed,
            message: "no node of the Redis Cluster gave its slot map: \(failures.joined(separator: "; ")); "
                + "check the nodes in CONVEYOR_REDIS_URL (redis+cluster://host:7000,host:7001), which must be nodes of a Redis Cluster"
        )
    }

    private static let slotsCommand = RedisCommand("CLUSTER", "SLOTS")
}
