public import Foundation

/// An absolute `http` or `https` URL with a host: the only kind an external call goes to.
public struct ExternalURL: Sendable, Hashable, CustomStringConvertible {
    /// The longest URL taken.
    public static let maxLength = 2048

    public let url: URL
    /// The host, lowercased, without brackets around an IPv6 address.
    public let host: String
    /// The dependency whose breaker guards calls to this URL: the host, with the port when
    /// the URL names one other than its scheme's default.
    public let dependency: String

    /// Parses `text`.
    /// - Throws: ``ExternalURLError`` saying what the URL must be.
    public init(_ text: String) throws(ExternalURLError) {
        guard text.utf8.count <= Self.maxLength else {
            throw ExternalURLError("is longer than \(Self.maxLength) bytes")
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw ExternalURLError("'\(text)' is not an absolute URL: give one such as https://example.com/hook")
        }
        guard scheme == "http" || scheme == "https" else {
            throw ExternalURLError("'\(text)' is not an http or https URL")
        }
        guard let host = url.host(percentEncoded: false)?.lowercased(), !host.isEmpty else {
            throw ExternalURLError("'\(text)' has no host")
        }
        let defaultPort = scheme == "https" ? 443 : 80
        self.url = url
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.dependency = url.port.map { $0 == defaultPort ? host : "\(host):\($0)" } ?? host
    }

    public var description: String { url.absoluteString }
}

/// A URL that an external call cannot go to.
public struct ExternalURLError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ problem: String) {
        description = problem.hasPrefix("'") ? problem : "the URL \(problem)"
    }
}
