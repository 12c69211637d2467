/// A cluster node's answer that the command belongs elsewhere, or later.
enum RedisRedirection: Sendable, Equatable {
    /// `MOVED slot host:port`: the slot is served by another master from now on.
    case moved(slot: UInt16, to: RedisServerAddress)
    /// `ASK slot host:port`: the slot is moving to another master, which has the command's keys
    /// already; ask it once, after `ASKING`.
    case ask(slot: UInt16, to: RedisServerAddress)
    /// `TRYAGAIN`: the slot is moving and the command's keys are split between its two masters;
    /// the command may run once the move is over.
    case tryAgain

    /// The redirection an error reply gives; nil for any other reply. An address without a host
    /// (`:7001`) is on the host of `answeredBy`, the node that gave it.
    init?(_ reply: RESPValue, answeredBy: RedisServerAddress) {
        guard case .error(let message) = reply else {
            return nil
        }
        if message.hasPrefix("TRYAGAIN") {
            self = .tryAgain
            return
        }
        let parts = message.split(separator: " ")
        guard parts.count == 3, parts[0] == "MOVED" || parts[0] == "ASK", let slot = UInt16(parts[1]), Int(slot) < RedisKeySlot.count,
            let colon = parts[2].lastIndex(of: ":"), let port = Int(parts[2][parts[2].index(after: colon)...])
        else {
            return nil
        }
        var host = String(parts[2][..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        let address = RedisServerAddress(host: host.isEmpty ? answeredBy.host : host, port: port)
        self = parts[0] == "MOVED" ? .moved(slot: slot, to: address) : .ask(slot: slot, to: address)
    }
}
