import ConveyorJobs
import ConveyorOutbox
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTestSupport
import ConveyorWorker
import Foundation
import Logging
import Testing

/// A schema of its own holding `conveyor_outbox`, a queue name of its own, and the kinds of
/// the catalogue, as the relays of the API and the workers check rows against them.
struct OutboxFixture {
    static let logger = Logger(label: "conveyor.tests.outbox")

    let schema: String
    let database: IsolatedDatabase
    let pool: PostgresPool
    let redis: RedisClient
    let queue: JobQueue
    let queueName: QueueName
    let kinds: RegisteredOutboxKinds

    /// Runs `body` with a fixture whose relays know the kinds of `registry`, the catalogue's by default.
    static func with<T>(
        _ purpose: String, policy: QueuePolicy = QueuePolicy(), registry: JobRegistry? = nil, _ body: (OutboxFixture) async throws -> T
    ) async throws -> T {
        let schema = "outbox_\(purpose)_\(UInt32.random(in: 0 ... .max))"
        let database = try await IsolatedDatabase.make(schema)
        var configuration = try PostgresConfiguration(url: database.url)
        configuration.poolSize = 12
        let redis = try TestEnvironment.redis()
        let fixture = OutboxFixture(
            schema: schema, database: database, pool: PostgresPool(configuration: configuration, logger: logger), redis: redis,
            queue: JobQueue(redis: redis, policy: policy), queueName: TestEnvironment.uniqueQueue(purpose),
            kinds: RegisteredOutboxKinds(try registry ?? JobCatalogue.registry())
        )
        return try await withCleanUp({
            _ = try await PostgresMigrator(pool: fixture.pool, migrations: OutboxTables.migrations, logger: logger).migrate()
            return try await body(fixture)
        }, cleanUp: fixture.tearDown)
    }

    private func tearDown() async {
        await pool.shutdown()
        try? await database.drop()
        await redis.shutdown()
    }

    /// A relay of this fixture's table, with a pool of its own, as another process has.
    func relay(pool: PostgresPool? = nil) -> ApplicationOutbox {
        ApplicationOutbox(pool: pool ?? self.pool, queue: queue, kinds: kinds)
    }

    /// A pool of its own on the fixture's schema; `name` is its connections' application_name.
    func separatePool(size: Int = 2, name: String? = nil) throws -> PostgresPool {
        let url = name.map { database.url + (database.url.contains("?") ? "&" : "?") + "application_name=\($0)" } ?? database.url
        var configuration = try PostgresConfiguration(url: url)
        configuration.poolSize = size
        return PostgresPool(configuration: configuration, logger: Self.logger)
    }

    /// Inserts `count` rows of noop jobs for this fixture's queue in one transaction, which
    /// commits or, after `pause`, rolls back; returns the rows' ids.
    func insertNoops(_ count: Int, commit: Bool, pause: Duration = .zero, on pool: PostgresPool? = nil) async throws -> [UUID] {
        do {
            return try await (pool ?? self.pool).withConnection { connection in
                try await connection.transaction { connection in
                    let ids: [UUID] = try await connection.query(
                        """
                        INSERT INTO conveyor_outbox (kind, payload, queue, tenant)
                        SELECT 'noop', jsonb_build_object('n', n), $2, 'acme' FROM generate_series(1, $1) AS n
                        RETURNING id
                        """,
                        [count, queueName.rawValue]
                    ).rows.map { try $0.decode("id") }
                    if pause > .zero { try await Task.sleep(for: pause) }
                    if !commit { throw RolledBack(ids: ids) }
                    return ids
                }
            }
        } catch let rollback as RolledBack {
            return rollback.ids
        }
    }

    /// The rows' jobs in this fixture's queue.
    func jobIDs(of rows: [UUID]) -> [JobID] {
        rows.map { ApplicationOutbox.jobID(ofRow: $0, in: queueName) }
    }

    /// Checks that each committed row became one job of the queue, and no rolled-back one did.
    func expectExactlyOnce(committed: [UUID], rolledBack: [UUID]) async throws {
        #expect(try await OutboxRows.summary(in: pool).pending == 0)
        var missing = 0
        for id in jobIDs(of: committed) where try await queue.job(id) == nil { missing += 1 }
        var present = 0
        for id in jobIDs(of: rolledBack) where try await queue.job(id) != nil { present += 1 }
        #expect(missing == 0, "\(missing) of \(committed.count) committed rows have no job")
        #expect(present == 0, "\(present) of \(rolledBack.count) rolled-back rows have a job")
        // The queue holds no job but the committed rows' ones: none twice, none besides.
        #expect(try await queue.statistics(of: queueName).depth == committed.count)
    }

    /// Relays until no row is pending.
    func drain(_ outbox: ApplicationOutbox) async throws {
        while try await outbox.hasPending() {
            _ = try await outbox.relay()
        }
    }

    /// Inserts one row of `columns` with `values`, in a transaction of its own, in which `$1`
    /// is this fixture's queue; returns its id.
    func insert(_ columns: String, _ values: String) async throws -> UUID {
        try await pool.withConnection { connection in
            try await connection.query(
                "INSERT INTO conveyor_outbox (\(columns)) VALUES (\(values)) RETURNING id", values.contains("$1") ? [queueName.rawValue] : []
            ).rows[0].decode("id")
        }
    }

    func integer(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) async throws -> Int {
        try await pool.withConnection { try await $0.query(sql, parameters).rows[0].decode("count") }
    }
}

/// What a transaction that rolls back on purpose throws, with the rows it had inserted.
struct RolledBack: Error {
    let ids: [UUID]
}
