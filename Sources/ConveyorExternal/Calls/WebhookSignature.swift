import ConveyorCore
import Crypto
import Foundation

/// The `Conveyor-Signature` header of a webhook, in the style of Stripe's: `t=<unix
/// seconds>,v1=<hex HMAC-SHA-256 of "<t>.<body>">`, keyed with the deployment's webhook
/// secret. A receiver recomputes the HMAC over the timestamp and the raw body, compares it
/// in constant time, and refuses a timestamp too far from its clock, which stops replays.
public struct WebhookSignature: Sendable, Equatable, CustomStringConvertible {
    public static let headerName = "Conveyor-Signature"

    public let timestamp: Int
    public let hexDigest: String

    /// Signs `body` as sent at `timestamp` (Unix seconds) with `secret`.
    public init(body: [UInt8], timestamp: Int, secret: [UInt8]) {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: secret))
        hmac.update(data: Array("\(timestamp).".utf8))
        hmac.update(data: body)
        self.timestamp = timestamp
        self.hexDigest = Hexadecimal.string(hmac.finalize())
    }

    /// The header's value.
    public var description: String { "t=\(timestamp),v1=\(hexDigest)" }
}
