/// A Redis URL that cannot be used; its description names the bad part and shows the expected form.
public struct RedisConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The URL as given, with any password replaced by `***` so that the error is safe to log.
    public let url: String
    /// What is wrong with it, such as "port 'abc' is not a number from 1 to 65535".
    public let reason: String

    /// "invalid Redis URL '<url>': <reason>; expected redis://[[user]:password@]host[:port][/db] or rediss://…".
    public var description: String {
        "invalid Redis URL '\(self.url)': \(self.reason); expected \(Self.expectedForm)"
    }

    static let expectedForm = "redis://[[user]:password@]host[:port][/db], or rediss://…[?ca=FILE&cert=FILE&key=FILE&servername=NAME] for TLS, "
        + "or redis+sentinel://[[user]:password@]host:26379,host:26379/MASTER[/db][?sentinel_username=NAME&sentinel_password=SECRET] for Sentinel, "
        + "or redis+cluster://[[user]:password@]host:6379,host:6379 for a Redis Cluster"
}
