import Foundation
/// The answer to an external call, body and all (within the client's size cap).
public struct ExternalResponse: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]
    /// The state of the dependency's breaker once this call was counted.
    public let breakerState: BreakerState

    /// A 2xx status.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The first value of header `name`, compared without case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// This response, when its status is 2xx.
    /// - Throws: ``ExternalStatusError`` otherwise, with the start of the body for the log.
    @discardableResult
    public func requireSuccess(of request: ExternalRequest) throws(ExternalStatusError) -> ExternalResponse {
        guard isSuccess else {
            throw ExternalStatusError(
                method: request.method.rawValue, url: request.url.description, status: status,
                bodyStart: String(decoding: body.prefix(200), as: UTF8.self)
            )
        }
        return self
    }
}

/// A dependency answered with a status other than 2xx. Its description, which becomes the
/// job's error that the producer reads, gives the status only: the body is the remote
/// server's, and would let a producer read what a server it cannot reach itself answered.
public struct ExternalStatusError: Error, Sendable, CustomStringConvertible {
    public let method: String
    public let url: String
    public let status: Int
    /// The first 200 bytes of the body, for the worker's log.
    public let bodyStart: String

    public var description: String { "\(method) \(url) answered \(status)" }
}
