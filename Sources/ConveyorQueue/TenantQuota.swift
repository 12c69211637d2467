/// How much one tenant may have waiting in one queue: jobs enqueued and not yet taken by a
/// worker, and the bytes of their fields and payloads. Enqueue checks it in the same script
/// that writes the jobs, so a batch that would pass it is refused whole and writes nothing.
public struct TenantQuota: Sendable, Equatable {
    /// What a quota counts.
    public enum Measure: String, Sendable {
        case jobs
        case bytes

        /// The word for a number of it, as in "120 jobs waiting".
        public var noun: String {
            switch self {
            case .jobs: "jobs"
            case .bytes: "bytes of jobs"
            }
        }
    }

    /// The most jobs waiting; 0 for no limit.
    public var jobs: Int
    /// The most bytes of waiting jobs' packed fields and payloads; 0 for no limit.
    public var bytes: Int

    public init(jobs: Int, bytes: Int) {
        self.jobs = jobs
        self.bytes = bytes
    }

    /// No limit.
    public static let unlimited = TenantQuota(jobs: 0, bytes: 0)
}

/// The quotas of every tenant: one for all, and others for named tenants.
public struct TenantQuotas: Sendable, Equatable {
    /// The quota of a tenant not named in ``byTenant``.
    public var `default`: TenantQuota
    public var byTenant: [String: TenantQuota]

    /// 1,000,000 jobs and 1 GiB a tenant and queue: as many jobs as a queue holds by
    /// default, so that one tenant alone never meets its quota first.
    public init(default: TenantQuota = TenantQuota(jobs: 1_000_000, bytes: 1 << 30), byTenant: [String: TenantQuota] = [:]) {
        self.default = `default`
        self.byTenant = byTenant
    }

    public func quota(of tenant: String) -> TenantQuota {
        byTenant[tenant] ?? `default`
    }
}
