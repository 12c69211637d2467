/// Which master serves each slot of a Redis Cluster, as `CLUSTER SLOTS` describes it, kept
/// up to date between two reads by the `MOVED` answers the masters give.
struct RedisSlotMap: Sendable, Equatable {
    /// The masters, in the order `CLUSTER SLOTS` first named them.
    private(set) var masters: [RedisServerAddress] = []
    /// The index in `masters` of each slot's master; -1 for a slot no master serves.
    private var owners = [Int16](repeating: -1, count: RedisKeySlot.count)

    /// A map of no slot.
    init() {}

    /// Reads a `CLUSTER SLOTS` reply: an array of `[first slot, last slot, [host, port, id, …], replicas…]`.
    /// A master that gives no host (`""`, or `"?"` when its endpoint is unknown) is reached at
    /// the host of `askedAt`, the node that answered, as Redis advises.
    init(clusterSlots reply: RESPValue, askedAt: RedisServerAddress) throws(RedisError) {
        guard let ranges = reply.array else {
            throw Self.unreadable(reply, from: askedAt)
        }
        for range in ranges {
            guard let fields = range.array, fields.count >= 3, let first = fields[0].int, let last = fields[1].int,
                first >= 0, first <= last, last < RedisKeySlot.count,
                let master = fields[2].array, master.count >= 2, let host = master[0].string, let port = master[1].int
            else {
                throw Self.unreadable(range, from: askedAt)
            }
            let address = RedisServerAddress(host: host.isEmpty || host == "?" ? askedAt.host : host, port: port)
            for slot in first...last {
                self.assign(UInt16(slot), to: address)
            }
        }
    }

    /// The master of `slot`, nil when none serves it.
    func master(of slot: UInt16) -> RedisServerAddress? {
        let owner = self.owners[Int(slot)]
        return owner < 0 ? nil : self.masters[Int(owner)]
    }

    /// Whether every slot has a master.
    var coversEverySlot: Bool {
        !self.owners.contains(-1)
    }

    /// Gives `slot` to `address`, as a `MOVED` answer says it now is.
    mutating func assign(_ slot: UInt16, to address: RedisServerAddress) {
        let index: Int
        if let known = self.masters.firstIndex(of: address) {
            index = known
        } else {
            index = self.masters.count
            self.masters.append(address)
        }
        self.owners[Int(slot)] = Int16(index)
    }

    private static func unreadable(_ reply: RESPValue, from address: RedisServerAddress) -> RedisError {
        RedisError(kind: .protocol, message: "Redis at \(address) answered CLUSTER SLOTS with \(reply)")
    }
}
