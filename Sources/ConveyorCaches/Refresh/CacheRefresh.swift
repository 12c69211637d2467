public import ConveyorQueue

/// The job that recomputes a cached value: its kind and defaults, shared by the API that
/// enqueues it and the `cache_refresh` kind in `jobs/` that runs it. The tenant is the job's.
public enum CacheRefresh {
    public static let kind = "cache_refresh"
    /// A few attempts: a refresh that keeps failing is better reported than retried for hours,
    /// and the next request for the value starts another.
    public static let maxAttempts = 5
    /// Long enough for a dashboard's aggregates on a busy server.
    public static let timeout = Duration.seconds(60)
    /// How long the single-flight lock outlives the timeout: the time a worker may need to
    /// notice the timeout and cancel the query.
    static let lockMargin = Duration.seconds(10)
    /// How long requests join a pending refresh job before enqueueing another: enough for
    /// its attempts and their backoff, so that only a job lost before it ran is replaced.
    public static let pendingFor = Duration.seconds(600)

    /// Which value to compute.
    public struct Payload: Codable, Sendable, Equatable {
        /// The cached value's name in the catalogue.
        public var cache: String

        public init(cache: String) {
            self.cache = cache
        }
    }

    /// The refresh job of `name` for `tenant`, with `id`.
    public static func job(id: JobID, name: String, tenant: String, requestID: String) -> JobRequest {
        JobRequest(
            id: id, kind: kind, payload: payloadJSON(name), queue: id.queue, maxAttempts: maxAttempts, timeout: timeout,
            requestID: requestID, tenant: tenant
        )
    }

    /// `{"cache":"NAME"}`; names never need escaping.
    static func payloadJSON(_ name: String) -> String {
        #"{"cache":"\#(name)"}"#
    }
}
