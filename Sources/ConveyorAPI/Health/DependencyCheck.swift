/// A server the API needs, and how to tell that it answers.
struct DependencyCheck: Sendable {
    /// The name in `/ready`'s report, e.g. `redis`.
    let name: String
    /// The name in messages, e.g. `Redis`.
    let title: String
    /// Returns when the server answers; throws when it does not.
    let probe: @Sendable () async throws -> Void
}
