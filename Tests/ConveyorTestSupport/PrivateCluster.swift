import ConveyorRedis
import Foundation
import Logging

/// A Redis Cluster of the test's own: masters without replicas on loopback, made with
/// `redis-cli --cluster create`, and the means to move a slot between them by hand, as
/// `redis-cli --cluster reshard` does, one step at a time.
public final class PrivateCluster: @unchecked Sendable {
    public let nodes: [PrivateRedis]
    private let admin: [RedisClient]

    /// Starts `masters` nodes, makes them a cluster, and waits until each says it is ok.
    public init(masters: Int = 3) async throws {
        var nodes: [PrivateRedis] = []
        for _ in 0..<masters {
            nodes.append(
                try await PrivateRedis(arguments: [
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
                ]))
        }
        self.nodes = nodes
        self.admin = try nodes.map { RedisClient(configuration: try RedisConfiguration(url: $0.url), logger: Logger(label: "private-cluster")) }
        let create = Process()
        create.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        create.arguments = ["--cluster", "create"] + nodes.map { "127.0.0.1:\($0.port)" } + ["--cluster-yes"]
        create.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try create.run()
        create.waitUntilExit()
        guard create.terminationStatus == 0 else {
            throw StartFailure(reason: "redis-cli --cluster create exited with \(create.terminationStatus)")
        }
        let admin = self.admin
        let ready = try await eventually(timeout: .seconds(20)) {
            for client in admin {
                guard let info = try? await client.send(RedisCommand("CLUSTER", "INFO")).string, info.contains("cluster_state:ok") else {
                    return false
                }
            }
            return true
        }
        guard ready else { throw StartFailure(reason: "the cluster's nodes did not all say cluster_state:ok") }
    }

    deinit {
        let admin = self.admin
        Task { for client in admin { await client.shutdown() } }
    }

    /// `redis+cluster://` naming the first node only, from which the client learns the others.
    public var url: String {
        "redis+cluster://127.0.0.1:\(nodes[0].port)"
    }

    /// The index in ``nodes`` of the master that serves `slot`.
    public func owner(of slot: UInt16) async throws -> Int {
        for (index, client) in admin.enumerated() where try await self.serves(client, slot) {
            return index
        }
        throw StartFailure(reason: "no node serves slot \(slot)")
    }

    /// Whether the node of `client` says it serves `slot` itself.
    private func serves(_ client: RedisClient, _ slot: UInt16) async throws -> Bool {
        let myID = try await client.send(RedisCommand("CLUSTER", "MYID")).string
        for range in try await client.send(RedisCommand("CLUSTER", "SLOTS")).array ?? [] {
            guard let fields = range.array, let first = fields[0].int, let last = fields[1].int,
                let master = fields[2].array, master.count >= 3
            else { continue }
            if (first...last).contains(Int(slot)) { return master[2].string == myID }
        }
        return false
    }

    /// Opens the move of `slot` from node `from` to node `to`: the target imports it, the source
    /// migrates it; no key has moved yet.
    public func beginMoving(_ slot: UInt16, from: Int, to: Int) async throws {
        let sourceID = try await id(of: from)
        let targetID = try await id(of: to)
        try await admin[to].send(RedisCommand("CLUSTER", "SETSLOT", .integer(Int(slot)), "IMPORTING", .string(sourceID)))
        try await admin[from].send(RedisCommand("CLUSTER", "SETSLOT", .integer(Int(slot)), "MIGRATING", .string(targetID)))
    }

    /// Moves `keys`, of a slot whose move is open, from node `from` to node `to`.
    public func migrate(_ keys: [String], from: Int, to: Int) async throws {
        guard !keys.isEmpty else { return }
        try await admin[from].send(
            RedisCommand("MIGRATE", ["127.0.0.1", .integer(nodes[to].port), "", 0, 5000, "KEYS"] + keys.map { .string($0) }))
    }

    /// Moves the keys of `slot` left on node `from`, and gives the slot to node `to` on every node.
    public func finishMoving(_ slot: UInt16, from: Int, to: Int) async throws {
        while true {
            let keys = try await admin[from].send(RedisCommand("CLUSTER", "GETKEYSINSLOT", .integer(Int(slot)), 100)).array ?? []
            if keys.isEmpty { break }
            try await migrate(keys.compactMap(\.string), from: from, to: to)
        }
        let targetID = try await id(of: to)
        for client in [admin[to], admin[from]] + admin.indices.filter({ $0 != to && $0 != from }).map({ admin[$0] }) {
            try await client.send(RedisCommand("CLUSTER", "SETSLOT", .integer(Int(slot)), "NODE", .string(targetID)))
        }
    }

    /// Moves `slot` from node `from` to node `to` at once.
    public func move(_ slot: UInt16, from: Int, to: Int) async throws {
        try await beginMoving(slot, from: from, to: to)
        try await finishMoving(slot, from: from, to: to)
    }

    private func id(of node: Int) async throws -> String {
        try await admin[node].send(RedisCommand("CLUSTER", "MYID")).string ?? ""
    }

    struct StartFailure: Error, CustomStringConvertible {
        let reason: String
        var description: String { "the private Redis Cluster did not start: \(reason)" }
    }
}
