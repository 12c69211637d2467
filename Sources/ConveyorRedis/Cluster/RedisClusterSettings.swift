/// Where to find a Redis Cluster: some of its nodes, asked in turn for the slot map
/// (`CLUSTER SLOTS`), which names every master from then on.
public struct RedisClusterSettings: Sendable, Hashable {
    /// The nodes first asked for the slot map, and asked again when no known master answers.
    public var seeds: [RedisServerAddress]

    /// Creates settings; one reachable node of the cluster suffices.
    public init(seeds: [RedisServerAddress]) {
        self.seeds = seeds
    }
}
