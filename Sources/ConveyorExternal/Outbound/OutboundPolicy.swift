import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Which addresses an external call may reach. Every call resolves its host and is refused
/// when any address of it is loopback, private, link-local, multicast, unspecified,
/// carrier-grade NAT, a cloud's metadata service or otherwise reserved — or an IPv6 form of
/// one of them (IPv4-mapped, NAT64, 6to4) — unless the operator allowed that host or range
/// (`CONVEYOR_EXTERNAL_ALLOW`). The call then connects to the very address that was checked,
/// so a name that resolves elsewhere a moment later (DNS rebinding) changes nothing.
public struct OutboundPolicy: Sendable, Equatable {
    /// Host names the operator allowed, whatever they resolve to (lowercased).
    public private(set) var allowedHosts: Set<String>
    /// Address ranges the operator allowed.
    public private(set) var allowedRanges: [AddressRange]

    /// No exceptions: the default, and what every process has unless its operator says otherwise.
    public init() {
        allowedHosts = []
        allowedRanges = []
    }

    /// Parses the operator's exceptions: a comma-separated list of host names, addresses and
    /// ranges, such as `hooks.internal.example, 10.20.0.0/16, 127.0.0.1`.
    /// - Throws: ``OutboundPolicyError`` naming an entry that is none of these.
    public init(allowing text: String) throws(OutboundPolicyError) {
        self.init()
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !entry.isEmpty {
            if let range = AddressRange(entry) {
                allowedRanges.append(range)
            } else if Self.isHostName(entry) {
                allowedHosts.insert(entry)
            } else {
                throw OutboundPolicyError(entry: entry)
            }
        }
    }

    /// The addresses nobody may call unless allowed, each block with the rule that names it.
    /// The more specific blocks come first, so that an address is named for them.
    static let refusedRanges: [(range: AddressRange, rule: String)] = [
        ("169.254.169.254/32", "cloud metadata"), ("169.254.170.2/32", "cloud metadata"), ("100.100.100.200/32", "cloud metadata"),
        ("192.0.0.192/32", "cloud metadata"), ("fd00:ec2::254/128", "cloud metadata"),
        ("0.0.0.0/8", "unspecified"), ("::/128", "unspecified"),
        ("127.0.0.0/8", "loopback"), ("::1/128", "loopback"),
        ("10.0.0.0/8", "private (RFC 1918)"), ("172.16.0.0/12", "private (RFC 1918)"), ("192.168.0.0/16", "private (RFC 1918)"),
        ("fc00::/7", "private (RFC 4193)"), ("fec0::/10", "private (site-local)"),
        ("169.254.0.0/16", "link-local"), ("fe80::/10", "link-local"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("224.0.0.0/4", "multicast"), ("ff00::/8", "multicast"),
        ("240.0.0.0/4", "reserved"), ("192.0.0.0/24", "reserved"), ("198.18.0.0/15", "reserved"), ("100::/64", "reserved"),
    ].map { (AddressRange($0.0)!, $0.1) }

    /// Why `address` may not be called, e.g. "loopback" or "IPv4-mapped private (RFC 1918)";
    /// nil when it may.
    public func refusal(of address: IPAddress) -> String? {
        if allowedRanges.contains(where: { $0.contains(address) }) { return nil }
        if let rule = Self.refusedRanges.first(where: { $0.range.contains(address) })?.rule { return rule }
        if let inner = address.embeddedIPv4, let rule = refusal(of: inner) { return "IPv6 form of \(rule)" }
        return nil
    }

    /// Resolves `host` and checks every address it has: one refused address refuses the host.
    /// - Returns: the address to connect to, or nil when the host is allowed by name (the
    ///   call then resolves it as usual).
    /// - Throws: ``OutboundRefusal`` when an address is refused; ``UnresolvedHost`` when the
    ///   name does not resolve (which may pass: the dependency is unreachable, not refused).
    public func check(host: String) async throws -> IPAddress? {
        let host = host.lowercased()
        if allowedHosts.contains(host) { return nil }
        if let literal = IPAddress(host) {
            if let rule = refusal(of: literal) { throw OutboundRefusal(host: host, address: literal, rule: rule) }
            return literal
        }
        let addresses = try await Self.resolve(host)
        for address in addresses {
            if let rule = refusal(of: address) { throw OutboundRefusal(host: host, address: address, rule: rule) }
        }
        // One address is called, the one checked: an IPv4 one where there is one, which
        // services listening on one family alone more often have.
        guard let chosen = addresses.first(where: \.isIPv4) ?? addresses.first else { throw UnresolvedHost(host: host) }
        return chosen
    }

    /// The addresses of `host`, from getaddrinfo on a thread of NIO's blocking pool.
    static func resolve(_ host: String) async throws -> [IPAddress] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &list) == 0 else { throw UnresolvedHost(host: host) }
            defer { freeaddrinfo(list) }
            var addresses: [IPAddress] = []
            var entry = list
            while let current = entry {
                if let socketAddress = current.pointee.ai_addr, let address = IPAddress(socketAddress), !addresses.contains(address) {
                    addresses.append(address)
                }
                entry = current.pointee.ai_next
            }
            return addresses
        }
    }

    /// Letters, digits, hyphens and dots, as DNS names are written.
    private static func isHostName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 253
            && text.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F }
    }
}

/// An entry of `CONVEYOR_EXTERNAL_ALLOW` that is neither a host name nor an address or range.
public struct OutboundPolicyError: Error, Sendable, CustomStringConvertible {
    public let entry: String
    public var description: String {
        "'\(entry)' is neither a host name, an IP address nor a range such as 10.20.0.0/16"
    }
}

/// An external call to an address no call may reach.
public struct OutboundRefusal: Error, Sendable, CustomStringConvertible {
    public let host: String
    /// The refused address, for the log.
    public let address: IPAddress
    /// The rule that refuses it, e.g. "loopback".
    public let rule: String

    /// Names the rule, not the address: the name's owner may be the producer, but what an
    /// internal name resolves to is the deployment's to know.
    public var description: String {
        let what = IPAddress(host) == nil ? "resolves to" : "is"
        return "host '\(host)' \(what) a refused address (\(rule)): external calls never reach internal addresses "
            + "(an operator may allow a host or range with CONVEYOR_EXTERNAL_ALLOW)"
    }
}

/// A host name that did not resolve to any address.
public struct UnresolvedHost: Error, Sendable, CustomStringConvertible {
    public let host: String
    public var description: String { "host '\(host)' does not resolve" }
}
