public import ConveyorQueue

/// What the API does with cached values: serve one from Redis, never touching PostgreSQL,
/// or enqueue the refresh that computes it, one job however many requests ask meanwhile.
public struct CacheService: Sendable {
    public let catalogue: CacheCatalogue
    public let store: CacheStore
    public let queue: JobQueue
    /// Where refresh jobs go; workers must take jobs from it.
    public let queueName: QueueName

    public init(catalogue: CacheCatalogue, store: CacheStore, queue: JobQueue, queueName: QueueName) {
        self.catalogue = catalogue
        self.store = store
        self.queue = queue
        self.queueName = queueName
    }

    /// What a request for a value gets.
    public enum Lookup: Sendable {
        /// The value, as stored.
        case value(CachedEntry)
        /// No value yet: this refresh job computes it.
        case refreshing(JobID)
    }

    /// The stored value of `value` for `tenant`; when there is none, the pending refresh job,
    /// enqueued by this call if no refresh was pending.
    public func lookup(_ value: CachedValue, tenant: String, requestID: String) async throws -> Lookup {
        switch try await request(value, tenant: tenant, requestID: requestID, refresh: false) {
        case .value(let entry): .value(entry)
        case .refresh(let job): .refreshing(job)
        }
    }

    /// Asks for `value` to be computed again for `tenant`: the refresh job pending already,
    /// or a new one.
    public func refresh(_ value: CachedValue, tenant: String, requestID: String) async throws -> JobID {
        guard case .refresh(let job) = try await request(value, tenant: tenant, requestID: requestID, refresh: true) else {
            throw CacheStoreError.unexpectedReply("a value where a refresh job was asked for")
        }
        return job
    }

    private func request(_ value: CachedValue, tenant: String, requestID: String, refresh: Bool) async throws -> CacheStore.Answer {
        let answer = try await store.request(
            tenant: tenant, name: value.name, candidate: JobID(in: queueName), pendingFor: CacheRefresh.pendingFor, refresh: refresh
        )
        if case .refresh(let job) = answer {
            // Enqueued again even when pending: the queue keeps a job whose id it has, and a
            // marker whose job was never enqueued (its process died in between) gets one.
            try await queue.enqueue([CacheRefresh.job(id: job, name: value.name, tenant: tenant, requestID: requestID)])
        }
        return answer
    }
}
