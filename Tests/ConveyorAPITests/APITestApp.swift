import ConveyorAPI
import ConveyorExports
import ConveyorExternal
import ConveyorImports
import ConveyorJobs
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorSchedules
import ConveyorTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The API application built over the test Redis and PostgreSQL (or over addresses
/// where nothing listens), driven through Hummingbird's router test client.
enum APITestApp {
    /// A Redis URL on which nothing listens: connections are refused at once.
    static let closedRedisURL = "redis://127.0.0.1:1/0"

    /// A new folder for the export files of one test.
    static func temporaryExportFolder() -> String {
        NSTemporaryDirectory() + "conveyor-exports-" + UUID().uuidString
    }

    /// The configuration the tests start from: the test keys, no rate limits, the drill
    /// kinds enabled, producers allowed the queues that ``TestEnvironment/uniqueQueue(_:)`` names,
    /// and the readiness timeout a `conveyor api` of the test run gets (`CONVEYOR_READINESS_TIMEOUT`).
    static func configuration() -> APIConfiguration {
        APIConfiguration(
            keyring: TestKey.keyring, rateLimits: [:], readinessTimeout: TestEnvironment.readinessTimeout, drillsEnabled: true,
            allowedQueues: try! QueueAllowlist(parsing: "t-*")
        )
    }

    /// Runs `body` with a client for an API over the given servers, then closes them.
    static func run(
        redisURL: String? = nil,
        redisDurability: RedisDurability = .local,
        databaseURL: String? = nil,
        policy: QueuePolicy = QueuePolicy(),
        configuration: APIConfiguration = APITestApp.configuration(),
        importQueue: QueueName = TestEnvironment.uniqueQueue("imports"),
        exportSettings: ExportSettings = ExportSettings(folder: APITestApp.temporaryExportFolder()),
        exportQueue: QueueName = TestEnvironment.uniqueQueue("exports"),
        cacheQueue: QueueName = TestEnvironment.uniqueQueue("caches"),
        outbound: OutboundPolicy = OutboundPolicy(),
        _ body: @Sendable (any TestClientProtocol, APIServices) async throws -> Void
    ) async throws {
        let logger = Logger(label: "api-test")
        var redisConfiguration = try RedisConfiguration(url: redisURL ?? TestEnvironment.redisURL())
        redisConfiguration.durability = redisDurability
        let redis = RedisClient(configuration: redisConfiguration, logger: logger)
        let databaseConfiguration = try PostgresConfiguration(url: databaseURL ?? TestEnvironment.databaseURL())
        let database = PostgresPool(configuration: databaseConfiguration, logger: logger)
        let exportFiles = exportSettings.makeFileStore(database: databaseConfiguration, logger: logger)
        let queue = JobQueue(redis: redis, policy: policy)
        let imports = ImportIntake(catalogue: try JobCatalogue.datasets(), pool: database, queue: queue, queueName: importQueue, logger: logger)
        let exports = ExportIntake(
            catalogue: try JobCatalogue.exports(), settings: exportSettings, files: exportFiles, pool: database, queue: queue,
            queueName: exportQueue
        )
        let registry = try JobCatalogue.registry(exports: exportSettings, exportFiles: exportFiles)
        let services = APIServices(
            redis: redis, queue: queue, registry: registry, database: database, imports: imports, exports: exports,
            caches: try JobCatalogue.caches(), cacheQueue: cacheQueue, outbound: outbound,
            schedules: try JobCatalogue.schedules(registry: registry).schedules
        )
        let application = buildApplication(configuration: configuration, services: services, logger: logger)
        do {
            try await application.test(.router) { client in try await body(client, services) }
            await exportFiles.shutdown()
            await database.shutdown()
            await redis.shutdown()
        } catch {
            await exportFiles.shutdown()
            await database.shutdown()
            await redis.shutdown()
            throw error
        }
    }
}

/// The keys the test API accepts: two producers of two tenants, and an admin.
enum TestKey: String, CaseIterable {
    case producerA = "producer-a"
    case producerB = "producer-b"
    case admin

    var tenant: String {
        switch self {
        case .producerA: "tenant-a"
        case .producerB: "tenant-b"
        case .admin: "ops"
        }
    }

    var role: APIRole { self == .admin ? .admin : .producer }

    var secret: String { "secret-of-\(rawValue)-0123456789" }

    var authorization: String { "Bearer \(secret)" }

    /// The line of a key file that holds this key.
    var line: String { "\(rawValue) \(role.rawValue) \(tenant) \(secret)" }

    static let keyring = try! APIKeyring(keys: allCases.map { APIKey(name: $0.rawValue, role: $0.role, tenant: $0.tenant, secret: $0.secret) })
}

extension TestClientProtocol {
    /// POSTs `json` (text, sent as it is) to `uri` with `key`'s credentials (none for nil).
    func post(_ uri: String, json: String, headers: HTTPFields = [:], as key: TestKey? = .producerA) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await send(uri, method: .post, headers: headers, body: ByteBuffer(string: json), as: key)
    }

    func get(_ uri: String, headers: HTTPFields = [:], as key: TestKey? = .producerA) async throws -> TestResponse {
        try await send(uri, method: .get, headers: headers, as: key)
    }

    /// Any request, with `key`'s credentials (none for nil).
    func send(
        _ uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil, as key: TestKey? = .producerA
    ) async throws -> TestResponse {
        var headers = headers
        if let key { headers[.authorization] = key.authorization }
        return try await execute(uri: uri, method: method, headers: headers, body: body)
    }
}

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: Any] {
        get throws {
            let value = try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
            return try #require(value as? [String: Any], "body is not a JSON object: \(String(buffer: body))")
        }
    }

    /// Checks that this is a problem response with `status` and `type`, whose detail
    /// contains `naming`; returns its body.
    @discardableResult
    func expectProblem(
        _ status: HTTPResponse.Status, type: String, naming: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String: Any] {
        #expect(self.status == status, "body: \(String(buffer: body))", sourceLocation: sourceLocation)
        #expect(headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let body = try json
        #expect(body["type"] as? String == "urn:conveyor:problem:\(type)", sourceLocation: sourceLocation)
        #expect(body["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
        #expect((body["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        let detail = body["detail"] as? String ?? ""
        #expect(detail.contains(naming), "detail: \(detail)", sourceLocation: sourceLocation)
        #expect(headers[.requestID] != nil, sourceLocation: sourceLocation)
        #expect(headers[.responseTime] != nil, sourceLocation: sourceLocation)
        return body
    }

    /// The `field` of each entry of a problem's `errors`.
    var problemFields: [String] {
        get throws { ((try json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String } }
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-ID")!
    static let responseTime = HTTPField.Name("X-Response-Time")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
}
