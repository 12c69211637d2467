/// How a pool's connections are used at one moment, for the process's metrics.
public struct PostgresPoolUsage: Sendable, Equatable {
    /// The most connections the pool opens.
    public var size: Int
    /// Connections leased to callers, and those being opened for one.
    public var inUse: Int
    /// Open connections no caller holds.
    public var idle: Int
    /// Callers waiting for a connection.
    public var waiting: Int
}
