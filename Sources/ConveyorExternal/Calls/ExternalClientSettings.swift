/// Timeouts and limits of external calls, and the breakers' settings.
public struct ExternalClientSettings: Sendable, Equatable {
    /// The longest wait for a connection to be made.
    public var connectTimeout: Duration
    /// The longest a whole call may take, connection, request and response body included.
    public var callTimeout: Duration
    /// The largest response body taken; a larger one fails the call.
    public var maxResponseBytes: Int
    public var breakers: BreakerSettings
    /// The most dependencies whose breakers are kept; the least recently called go first.
    public var maxDependencies: Int
    /// Which addresses calls may reach.
    public var outbound: OutboundPolicy
    /// The secret that signs webhooks (``WebhookSignature``); nil when none was given.
    public var webhookSecret: [UInt8]?

    public init(
        connectTimeout: Duration = .seconds(3), callTimeout: Duration = .seconds(10), maxResponseBytes: Int = 8 << 20,
        breakers: BreakerSettings = BreakerSettings(), maxDependencies: Int = 1000, outbound: OutboundPolicy = OutboundPolicy(),
        webhookSecret: [UInt8]? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.callTimeout = callTimeout
        self.maxResponseBytes = maxResponseBytes
        self.breakers = breakers
        self.maxDependencies = maxDependencies
        self.outbound = outbound
        self.webhookSecret = webhookSecret
    }
}
