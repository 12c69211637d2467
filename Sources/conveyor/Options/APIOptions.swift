import ArgumentParser
import ConveyorAPI
import ConveyorQueue
import Foundation

/// Where the API listens, whom it admits, and what it accepts.
struct APIOptions: ParsableArguments {
    @Option(help: "Address to listen on (env CONVEYOR_API_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on, 0 for any free one (env CONVEYOR_API_PORT; default 8080).")
    var port: String?

    @Option(
        name: .customLong("api-keys-file"),
        help: "File of API keys, one per line: 'name role tenant secret', role producer or admin (env CONVEYOR_API_KEYS_FILE). Keys may also be given inline in CONVEYOR_API_KEYS, ';'-separated; at least one key is needed."
    )
    var apiKeysFile: String?

    @Option(name: .customLong("producer-rate-limit"), help: "Requests per key of a producer, e.g. 6000/1m, or off (env CONVEYOR_PRODUCER_RATE_LIMIT; default 6000/1m).")
    var producerRateLimit: String?

    @Option(name: .customLong("admin-rate-limit"), help: "Requests per key of an admin, e.g. 1200/1m, or off (env CONVEYOR_ADMIN_RATE_LIMIT; default 1200/1m).")
    var adminRateLimit: String?

    @Option(name: .customLong("idempotency-ttl"), help: "Seconds the answer to a request with an Idempotency-Key is kept (env CONVEYOR_IDEMPOTENCY_TTL; default 86400).")
    var idempotencyTTL: String?

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body, in bytes or with KiB, MiB or GiB (env CONVEYOR_MAX_BODY_BYTES; default 512MiB).")
    var maxBodyBytes: String?

    @Option(name: .customLong("import-queue"), help: "Queue of the chunk jobs of imports; workers must take jobs from it (env CONVEYOR_IMPORT_QUEUE; default imports).")
    var importQueueName: String?

    func importQueue() throws -> QueueName {
        try Setting<QueueName>(flag: "--import-queue", variable: "CONVEYOR_IMPORT_QUEUE").resolve(importQueueName, default: "imports") {
            try QueueName($0)
        }
    }

    @Option(name: .customLong("cache-queue"), help: "Queue of cache refresh jobs; workers must take jobs from it (env CONVEYOR_CACHE_QUEUE; default default).")
    var cacheQueueName: String?

    func cacheQueue() throws -> QueueName {
        try Setting<QueueName>(flag: "--cache-queue", variable: "CONVEYOR_CACHE_QUEUE").resolve(cacheQueueName, default: "default") {
            try QueueName($0)
        }
    }

    @Flag(name: .customLong("enable-drills"), help: "Let producers enqueue the drill kinds, for fault drills and tests (env CONVEYOR_ENABLE_DRILLS=1; default off).")
    var enableDrills = false

    @Option(
        name: .customLong("queues-allowed"),
        help: "Queues producers may name besides their kinds' own, comma-separated; a trailing * makes a prefix, e.g. reports,batch-* (env CONVEYOR_QUEUES_ALLOWED; default none)."
    )
    var queuesAllowed: String?

    @Option(
        name: .customLong("tenant-quota"),
        help: "Jobs and bytes each tenant may have waiting in a queue, as jobs/size, e.g. 100000/256MiB, 0 for no limit on one, or off (env CONVEYOR_TENANT_QUOTA; default 1000000/1GiB). CONVEYOR_TENANT_QUOTAS sets it per tenant, e.g. acme:5000000/4GiB,trial:1000/1MiB."
    )
    var tenantQuota: String?

    @Option(name: .customLong("read-timeout"), help: "Seconds a request's body may pause before the request is answered 408 and its connection closed (env CONVEYOR_READ_TIMEOUT; default 30).")
    var readTimeout: String?

    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may stay open without a request, or with a request's head unfinished; more than --read-timeout (env CONVEYOR_IDLE_TIMEOUT; default 60).")
    var idleTimeout: String?

    @Option(name: .customLong("readiness-timeout"), help: "Seconds GET /ready waits for Redis's PING and PostgreSQL's SELECT 1 before it calls one down; behind PgBouncer, include its queue wait (env CONVEYOR_READINESS_TIMEOUT; default 1).")
    var readinessTimeout: String?

    @Option(name: .customLong("slow-request-ms"), help: "Milliseconds after which a request's log line is a warning marked slow (env CONVEYOR_SLOW_REQUEST_MS; default 1000).")
    var slowRequestMilliseconds: String?

    func configuration() throws -> APIConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var configuration = APIConfiguration(keyring: try keyring(environment))
        configuration.host = try Setting<String>(flag: "--host", variable: "CONVEYOR_API_HOST").resolve(host, default: "127.0.0.1", parse: parseHost)
        configuration.port = try Setting<Int>(flag: "--port", variable: "CONVEYOR_API_PORT")
            .resolve(port, default: "8080") { try parseCount($0, in: 0...65_535) }
        configuration.rateLimits[.producer] = try Setting<RateLimit?>(flag: "--producer-rate-limit", variable: "CONVEYOR_PRODUCER_RATE_LIMIT")
            .resolve(producerRateLimit, default: "6000/1m", parse: Self.parseRateLimit)
        configuration.rateLimits[.admin] = try Setting<RateLimit?>(flag: "--admin-rate-limit", variable: "CONVEYOR_ADMIN_RATE_LIMIT")
            .resolve(adminRateLimit, default: "1200/1m", parse: Self.parseRateLimit)
        configuration.idempotencyRetention = try Setting<Duration>(flag: "--idempotency-ttl", variable: "CONVEYOR_IDEMPOTENCY_TTL")
            .resolve(idempotencyTTL, default: "86400") { try parseSeconds($0, in: 1...2_592_000) }
        configuration.maxBodyBytes = try Setting<Int>(flag: "--max-body-bytes", variable: "CONVEYOR_MAX_BODY_BYTES")
            .resolve(maxBodyBytes, default: "512MiB", parse: Self.parseBytes)
        configuration.drillsEnabled = try enableDrills
            || Setting<Bool>(flag: "--enable-drills", variable: "CONVEYOR_ENABLE_DRILLS").resolve(nil, default: "0", parse: parseSwitch)
        configuration.allowedQueues = try Setting<QueueAllowlist>(flag: "--queues-allowed", variable: "CONVEYOR_QUEUES_ALLOWED")
            .resolve(queuesAllowed, default: "") { try QueueAllowlist(parsing: $0) }
        configuration.tenantQuotas.default = try Setting<TenantQuota>(flag: "--tenant-quota", variable: "CONVEYOR_TENANT_QUOTA")
            .resolve(tenantQuota, default: "1000000/1GiB", parse: Self.parseTenantQuota)
        configuration.tenantQuotas.byTenant = try Setting<[String: TenantQuota]>(flag: "tenant quotas", variable: "CONVEYOR_TENANT_QUOTAS")
            .resolve(nil, default: "") { text in
                try parseEntries(text, form: "tenant:jobs/size, e.g. acme:5000000/4GiB", name: { $0 }, value: Self.parseTenantQuota)
            }
        configuration.bodyReadTimeout = try Setting<Duration>(flag: "--read-timeout", variable: "CONVEYOR_READ_TIMEOUT")
            .resolve(readTimeout, default: "30") { try parseSeconds($0, in: 0.1...3600) }
        configuration.idleTimeout = try Setting<Duration>(flag: "--idle-timeout", variable: "CONVEYOR_IDLE_TIMEOUT")
            .resolve(idleTimeout, default: "60") { try parseSeconds($0, in: 0.2...86_400) }
        configuration.readinessTimeout = try Setting<Duration>(flag: "--readiness-timeout", variable: "CONVEYOR_READINESS_TIMEOUT")
            .resolve(readinessTimeout, default: "1") { try parseSeconds($0, in: 0.1...60) }
        configuration.slowRequestThreshold = try Setting<Duration>(flag: "--slow-request-ms", variable: "CONVEYOR_SLOW_REQUEST_MS")
            .resolve(slowRequestMilliseconds, default: "1000") { .milliseconds(try parseCount($0, in: 1...600_000)) }
        guard configuration.idleTimeout > configuration.bodyReadTimeout else {
            throw ValidationError(
                "--idle-timeout / CONVEYOR_IDLE_TIMEOUT must be longer than --read-timeout / CONVEYOR_READ_TIMEOUT, "
                    + "or a paused body would be cut without its 408"
            )
        }
        configuration.setMetricsToken(try metricsToken())
        configuration.dashboard = DashboardConfiguration(secret: try dashboardSecret())
        return configuration
    }

    /// CONVEYOR_UI_SECRET, which signs the dashboard's session cookies, from the environment
    /// only (a flag would show it in process listings); nil when unset, for a random one.
    private func dashboardSecret() throws -> String? {
        guard let secret = ProcessInfo.processInfo.environment["CONVEYOR_UI_SECRET"] else { return nil }
        guard secret.utf8.count >= DashboardConfiguration.minimumSecretLength, !secret.contains(where: \.isWhitespace) else {
            throw ValidationError(
                "CONVEYOR_UI_SECRET: the dashboard's secret should be at least \(DashboardConfiguration.minimumSecretLength) characters without spaces"
            )
        }
        return secret
    }

    /// The keys of `--api-keys-file` (or CONVEYOR_API_KEYS_FILE) and of CONVEYOR_API_KEYS.
    private func keyring(_ environment: [String: String]) throws -> APIKeyring {
        var keys: [APIKey] = []
        do {
            if let path = apiKeysFile ?? environment["CONVEYOR_API_KEYS_FILE"] {
                let text: String
                do {
                    text = try String(contentsOfFile: path, encoding: .utf8)
                } catch {
                    throw ValidationError("--api-keys-file / CONVEYOR_API_KEYS_FILE: cannot read '\(path)': \(error.localizedDescription)")
                }
                keys += try APIKeyring(parsing: text, source: path).keys
            }
            if let inline = environment["CONVEYOR_API_KEYS"] {
                keys += try APIKeyring(parsing: inline, source: "CONVEYOR_API_KEYS").keys
            }
            guard !keys.isEmpty else {
                throw ValidationError(
                    "no API keys: give a key file with --api-keys-file / CONVEYOR_API_KEYS_FILE, or keys in CONVEYOR_API_KEYS, one per line as 'name role tenant secret'"
                )
            }
            return try APIKeyring(keys: keys)
        } catch let error as APIKeyringError {
            throw ValidationError("API keys: \(error)")
        }
    }

    /// `N/window` with the window in seconds, minutes or hours (`1m`, `30s`, `1h`; a bare
    /// unit counts one), or `off` for no limit.
    static func parseRateLimit(_ text: String) throws -> RateLimit? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "off" { return nil }
        let parts = trimmed.split(separator: "/")
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600]
        if parts.count == 2, let requests = Int(parts[0]), (1...100_000_000).contains(requests), let unit = parts[1].last,
            let factor = units[unit]
        {
            let count = parts[1].dropLast()
            if let amount = count.isEmpty ? 1 : Int64(count), (1...86_400).contains(amount * factor) {
                return RateLimit(requests: requests, window: .seconds(amount * factor))
            }
        }
        throw SettingError(description: "'\(text)' is not a rate limit: write requests/window, e.g. 6000/1m, 100/10s or 50000/1h, or off")
    }

    /// `jobs/size`, each 0 for no limit on it, or `off` for none at all.
    static func parseTenantQuota(_ text: String) throws -> TenantQuota {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "off" { return .unlimited }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 2, let jobs = Int(parts[0]), (0...1_000_000_000).contains(jobs) {
            if parts[1] == "0" { return TenantQuota(jobs: jobs, bytes: 0) }
            if let bytes = try? parseBytes(parts[1]) { return TenantQuota(jobs: jobs, bytes: bytes) }
        }
        throw SettingError(description: "'\(text)' is not a quota: write jobs/size, e.g. 100000/256MiB (0 for no limit on one), or off")
    }

    /// Bytes as a whole number, optionally followed by KiB, MiB or GiB; from 1 KiB to 64 GiB.
    static func parseBytes(_ text: String) throws -> Int {
        let units: [(suffix: String, factor: Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("", 1)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Int(number), value > 0, value <= (64 << 30) / factor, value * factor >= 1 << 10 else { break }
            return value * factor
        }
        throw SettingError(description: "'\(text)' is not a size from 1KiB to 64GiB: write bytes, or a whole number with KiB, MiB or GiB, e.g. 512MiB")
    }
}
