/// Where Redis Sentinel is asked for the master, and how to log in to the sentinels.
///
/// The client asks the sentinels in turn, connects to the address the first one that knows the
/// master gives, checks with `ROLE` that it reached a master, and follows the sentinels'
/// `+switch-master` announcements from then on.
public struct RedisSentinelSettings: Sendable, Hashable {
    /// The sentinels, asked in this order.
    public var sentinels: [RedisServerAddress]
    /// The name the sentinels monitor the master under (`sentinel monitor NAME …`).
    public var masterName: String
    /// The ACL user for `AUTH` to the sentinels, or `nil` for the default user.
    public var username: String?
    /// The sentinels' password, or `nil` when they require none.
    public var password: String?

    /// Creates settings; sentinels are reached without `AUTH` unless a password is given.
    public init(sentinels: [RedisServerAddress], masterName: String, username: String? = nil, password: String? = nil) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.username = username
        self.password = password
    }

    /// The URL query's names for each setting.
    private static let queryNames = ["sentinel_username": \Self.username, "sentinel_password": \Self.password]

    /// Reads the options of a `redis+sentinel://` URL into settings of no sentinel and no name.
    static func parse(query: Substring) -> Result<RedisSentinelSettings, RedisConfiguration.URLPartError> {
        var settings = RedisSentinelSettings(sentinels: [], masterName: "")
        if let error = RedisConfiguration.readOptions(query, into: &settings, names: queryNames, example: { _ in "SECRET" }) {
            return .failure(error)
        }
        return .success(settings)
    }
}
