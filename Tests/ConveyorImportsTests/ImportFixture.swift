import ConveyorImports
import ConveyorJobs
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import Foundation
import Logging
import NIOCore

/// What an import test works with: a PostgreSQL schema (or database) of its own with every built-in
/// migration (``JobCatalogue/migrations``) applied, a queue of its own, and an intake over both.
struct ImportFixture {
    static let logger: Logger = {
        var logger = Logger(label: "conveyor.imports.tests")
        logger.logLevel = .warning
        return logger
    }()

    /// The name of its schema or database, which no other test's has.
    let schema: String
    let database: IsolatedDatabase
    /// The URL of its schema or database, for worker processes; its `application_name` is the
    /// schema's name, to find their sessions.
    let databaseURL: String
    let pool: PostgresPool
    let redis: RedisClient
    let queue: JobQueue
    let queueName: QueueName
    let catalogue: DatasetCatalogue
    let intake: ImportIntake

    /// Runs `body` with a new fixture, and drops its schema afterwards.
    static func with<T>(
        _ purpose: String, poolSize: Int = 4, policy: QueuePolicy = QueuePolicy(), _ body: (ImportFixture) async throws -> T
    ) async throws -> T {
        let schema = "imports_\(purpose)_\(UInt32.random(in: 0 ... .max))"
        let database = try await IsolatedDatabase.make(schema)
        let url = database.url + (database.url.contains("?") ? "&" : "?") + "application_name=\(schema)"
        var configuration = try PostgresConfiguration(url: url)
        configuration.poolSize = poolSize
        let pool = PostgresPool(configuration: configuration, logger: logger)
        let redis = try TestEnvironment.redis()
        let queue = JobQueue(redis: redis, policy: policy)
        let queueName = TestEnvironment.uniqueQueue(purpose)
        let catalogue = try JobCatalogue.datasets()
        let fixture = ImportFixture(
            schema: schema, database: database, databaseURL: url, pool: pool, redis: redis, queue: queue, queueName: queueName,
            catalogue: catalogue,
            intake: ImportIntake(catalogue: catalogue, pool: pool, queue: queue, queueName: queueName, logger: logger)
        )
        return try await withCleanUp({
            _ = try await PostgresMigrator(pool: pool, migrations: JobCatalogue.migrations, logger: logger).migrate()
            return try await body(fixture)
        }, cleanUp: fixture.tearDown)
    }

    private func tearDown() async {
        await pool.shutdown()
        try? await database.drop()
        await redis.shutdown()
    }

    /// Imports `body` into products for tenant `acme`, sent in pieces of `pieceSize` bytes.
    func accept(
        _ body: String, _ format: ImportFormat = .ndjson, dataset: String = "products", options: ImportOptions = ImportOptions(),
        tenant: String = "acme", pieceSize: Int = 64 * 1024, maxBodyBytes: Int = 1 << 30
    ) async throws -> ImportReceipt {
        try await intake.accept(
            dataset: dataset, format: format, options: options, tenant: tenant, requestID: "req-\(schema)",
            maxBodyBytes: maxBodyBytes, body: PiecewiseBody(Array(body.utf8), pieceSize: pieceSize)
        )
    }

    /// Loads a chunk as the batch_create job does.
    @discardableResult
    func load(_ importID: String, chunk: Int, isLastAttempt: Bool = false) async throws -> BatchCreateOutcome {
        try await pool.withConnection { connection in
            try await BatchCreateLoader(catalogue: catalogue).load(
                BatchCreate.Payload(importID: importID, chunk: chunk), on: connection, isLastAttempt: isLastAttempt
            )
        }
    }

    /// Loads every chunk of an import, in order.
    @discardableResult
    func loadAll(_ receipt: ImportReceipt) async throws -> [BatchCreateOutcome] {
        var outcomes: [BatchCreateOutcome] = []
        for chunk in 1...receipt.chunks { outcomes.append(try await load(receipt.id, chunk: chunk)) }
        return outcomes
    }

    /// The first column of the first row of `sql`, as an integer.
    func integer(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) async throws -> Int {
        try await pool.withConnection { connection in
            let result = try await connection.query(sql, parameters)
            return try result.rows[0].decode(result.columns[0])
        }
    }

    /// Whether, within 10 s, `count` of the fixture's connections wait for a lock.
    func waitUntilLockWaits(_ count: Int) async throws -> Bool {
        try await eventually(timeout: .seconds(10), interval: .milliseconds(20)) {
            try await integer(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [schema]
            ) == count
        }
    }

    /// The jobs waiting in the fixture's queue, oldest first.
    func readyJobs() async throws -> [JobRecord] {
        let reply = try await redis.send(RedisCommand("LRANGE", .string("conveyor:{\(queueName.rawValue)}:ready"), 0, -1))
        var jobs: [JobRecord] = []
        for text in (reply.array ?? []).compactMap(\.string).reversed() {
            if let job = try await queue.job(try JobID(text)) { jobs.append(job) }
        }
        return jobs
    }

    /// `count` products rows in NDJSON, with SKUs from `first`, prices of `price(n)` cents.
    static func products(_ count: Int, first: Int = 1, name: String = "thing", price: (Int) -> Int = { $0 }) -> String {
        (first..<first + count).map { n in
            #"{"sku":"SKU-\#(n)","name":"\#(name) \#(n)","price_cents":\#(price(n)),"quantity":\#(n % 7)}"#
        }.joined(separator: "\n") + "\n"
    }
}
