import ConveyorCore

/// The API keys the server accepts, read from a file or an environment variable: one key
/// per line, or per `;`-separated entry, as `name role tenant secret`; `#` starts a comment.
///
/// ```
/// # name     role      tenant  secret
/// shop-app   producer  acme    ck_live_4f9a1c2e7b5d8e0a3c6f
/// ops        admin     acme    ck_admin_9e8d7c6b5a4f3e2d1c0b
/// ```
public struct APIKeyring: Sendable {
    public let keys: [APIKey]

    /// Names and tenants: 1 to 64 letters, digits, `_`, `-` and `.`.
    static let nameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.".utf8)
    /// Secrets: the characters of a bearer token (RFC 6750 `b64token`), 16 to 256 of them.
    static let secretCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/=".utf8)
    static let secretLengths = 16...256

    /// - Throws: ``APIKeyringError`` when two keys share a name or a secret.
    public init(keys: [APIKey]) throws(APIKeyringError) {
        var names = Set<String>()
        var digests = Set<SecretDigest>()
        for key in keys {
            guard names.insert(key.name).inserted else { throw APIKeyringError("two keys are named '\(key.name)': names must differ") }
            guard digests.insert(key.digest).inserted else { throw APIKeyringError("key '\(key.name)' has the secret of another key: each key needs its own") }
        }
        self.keys = keys
    }

    /// Parses keys from `text`; `source` names it in errors (a file name, or a variable).
    ///
    /// - Throws: ``APIKeyringError`` naming the source, the line and what is wrong with it.
    public init(parsing text: String, source: String) throws(APIKeyringError) {
        var keys: [APIKey] = []
        for (lineIndex, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let entries = line.prefix { $0 != "#" }.split(separator: ";", omittingEmptySubsequences: false)
            for (entryIndex, entry) in entries.enumerated() {
                let place = "\(source), line \(lineIndex + 1)" + (entries.count > 1 ? ", entry \(entryIndex + 1)" : "")
                if let key = try Self.key(in: entry, at: place) { keys.append(key) }
            }
        }
        do {
            try self.init(keys: keys)
        } catch {
            throw APIKeyringError("\(source): \(error.description)")
        }
    }

    /// The key an entry describes; nil for a blank one.
    private static func key(in entry: Substring, at place: String) throws(APIKeyringError) -> APIKey? {
        let fields = entry.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !fields.isEmpty else { return nil }
        guard fields.count == 4 else {
            throw APIKeyringError("\(place): expected 'name role tenant secret', found \(fields.count) field\(fields.count == 1 ? "" : "s")")
        }
        let (name, roleName, tenant, secret) = (fields[0], fields[1], fields[2], fields[3])
        guard isName(name) else { throw APIKeyringError("\(place): name '\(name)' should be 1 to 64 letters, digits, '_', '-' or '.'") }
        guard let role = APIRole(rawValue: roleName) else {
            throw APIKeyringError("\(place): role '\(roleName)' should be producer or admin")
        }
        guard isName(tenant) else { throw APIKeyringError("\(place): tenant '\(tenant)' should be 1 to 64 letters, digits, '_', '-' or '.'") }
        guard secretLengths.contains(secret.utf8.count), secret.utf8.allSatisfy(secretCharacters.contains) else {
            throw APIKeyringError(
                "\(place): the secret of key '\(name)' should be 16 to 256 characters of letters, digits and - . _ ~ + / ="
            )
        }
        return APIKey(name: name, role: role, tenant: tenant, secret: secret)
    }

    static func isName(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy(nameCharacters.contains)
    }

    /// The key whose secret is `secret`, if any. Every key is compared, each over its whole
    /// digest, so the time taken says nothing about how close a guess came.
    public func authenticate(_ secret: some StringProtocol) -> APIKey? {
        let digest = SecretDigest(of: secret)
        var found: APIKey?
        for key in keys where key.digest.matches(digest) {
            found = key
        }
        return found
    }
}

/// A key file or variable that cannot be used, with the entry and what to fix.
public struct APIKeyringError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
