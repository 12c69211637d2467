import ConveyorExternal
import ConveyorRedis
import ConveyorTestSupport
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// External calls never reach internal addresses: each address is classified, every call's
/// host is resolved and checked, and only the operator's exceptions open a way.
@Suite struct OutboundGuardTests {
    @Test(arguments: [
        ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
        ("10.1.2.3", "private (RFC 1918)"), ("172.16.0.1", "private (RFC 1918)"), ("172.31.255.255", "private (RFC 1918)"),
        ("192.168.1.1", "private (RFC 1918)"), ("fd12:3456::1", "private (RFC 4193)"), ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"), ("100.100.100.200", "cloud metadata"), ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"), ("100.64.0.1", "carrier-grade NAT"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
        ("255.255.255.255", "reserved"), ("::ffff:127.0.0.1", "IPv6 form of loopback"),
        ("::ffff:169.254.169.254", "IPv6 form of cloud metadata"), ("::ffff:10.0.0.1", "IPv6 form of private (RFC 1918)"),
        ("64:ff9b::a9fe:a9fe", "IPv6 form of cloud metadata"), ("2002:7f00:1::", "IPv6 form of loopback"),
        ("::127.0.0.1", "IPv6 form of loopback"),
    ])
    func internalAddressesAreRefused(address: String, rule: String) throws {
        #expect(OutboundPolicy().refusal(of: try #require(IPAddress(address))) == rule)
    }

    @Test(arguments: ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:93.184.216.34", "192.0.2.1"])
    func publicAddressesPass(address: String) throws {
        #expect(OutboundPolicy().refusal(of: try #require(IPAddress(address))) == nil)
    }

    @Test func theOperatorsExceptionsOpenHostsAndRangesOnly() async throws {
        let policy = try OutboundPolicy(allowing: " Hooks.Internal.example , 10.20.0.0/16, 127.0.0.1 ,::1")
        #expect(policy.refusal(of: try #require(IPAddress("10.20.3.4"))) == nil)
        #expect(policy.refusal(of: try #require(IPAddress("10.21.0.1"))) == "private (RFC 1918)")
        #expect(policy.refusal(of: try #require(IPAddress("127.0.0.2"))) == "loopback")
        #expect(policy.refusal(of: try #require(IPAddress("::1"))) == nil)
        // A host allowed by name is not even resolved.
        #expect(try await policy.check(host: "hooks.internal.example") == nil)
        #expect(throws: OutboundPolicyError.self) { try OutboundPolicy(allowing: "hooks.example.com/x") }
        #expect(throws: OutboundPolicyError.self) { try OutboundPolicy(allowing: "10.0.0.0/40") }
    }

    @Test func aNameIsCheckedOnEveryAddressItResolvesTo() async throws {
        // localhost resolves to loopback (/etc/hosts): refused by the rule, named without its address.
        let refusal = try await #require(throws: OutboundRefusal.self) { try await OutboundPolicy().check(host: "localhost") }
        #expect(refusal.rule.hasSuffix("loopback"))
        #expect(refusal.description.hasPrefix("host 'localhost' resolves to a refused address ("))
        #expect(!refusal.description.contains("127.0.0.1"))
        await #expect(throws: UnresolvedHost.self) { try await OutboundPolicy().check(host: "no-such-host.invalid") }
        // Allowing both loopback addresses lets it through, and the call goes to the IPv4 one.
        #expect(try await OutboundPolicy(allowing: "127.0.0.0/8, ::1").check(host: "localhost") == IPAddress("127.0.0.1"))
    }

    @Test func callsToInternalAddressesSendNothingUnlessTheOperatorAllowsThem() async throws {
        let requests = Atomic<Int>(0)
        let router = Router()
        router.get("secret") { _, _ -> String in
            requests.add(1, ordering: .relaxed)
            return "metadata"
        }
        // A redirect to the secret: never followed, whatever the address.
        router.get("redirect") { request, _ -> Response in
            Response(status: .found, headers: [.location: "http://\(request.head.authority ?? "127.0.0.1")/secret"])
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { server in
            let port = try #require(server.port)
            let guarded = try Self.client(OutboundPolicy())
            for url in [
                "http://127.0.0.1:\(port)/secret", "http://[::1]:\(port)/secret", "http://localhost:\(port)/secret",
                "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]:\(port)/secret", "http://10.0.0.1/",
            ] {
                let refusal = try await #require(throws: OutboundRefusal.self, "\(url)") {
                    try await guarded.send(ExternalRequest(.get, try ExternalURL(url)))
                }
                #expect(!refusal.rule.isEmpty)
            }
            #expect(requests.load(ordering: .relaxed) == 0)
            // Nothing was counted against the refused dependencies' breakers either.
            #expect(try await BreakerStatus.all(from: guarded.breakers.redis).allSatisfy { $0.dependency != "169.254.169.254" })

            let allowed = try Self.client(try OutboundPolicy(allowing: "127.0.0.1"))
            let answer = try await allowed.send(ExternalRequest(.get, try ExternalURL("http://127.0.0.1:\(port)/secret")))
            #expect(answer.status == 200 && requests.load(ordering: .relaxed) == 1)
            let redirected = try await allowed.send(ExternalRequest(.get, try ExternalURL("http://127.0.0.1:\(port)/redirect")))
            #expect(redirected.status == 302)
            #expect(requests.load(ordering: .relaxed) == 1, "the redirect was not followed")
            // A name is pinned to the address that was checked.
            let pinned = try Self.client(try OutboundPolicy(allowing: "127.0.0.0/8, ::1"))
            #expect(try await pinned.send(ExternalRequest(.get, try ExternalURL("http://localhost:\(port)/secret"))).status == 200)
            #expect(requests.load(ordering: .relaxed) == 2)
            for client in [guarded, allowed, pinned] { try await client.shutdown() }
        }
    }

    private static func client(_ outbound: OutboundPolicy) throws -> ExternalClient {
        ExternalClient(redis: try TestEnvironment.redis(), settings: ExternalClientSettings(connectTimeout: .seconds(2), outbound: outbound))
    }
}
