import ArgumentParser
import ConveyorCore
import ConveyorJobs
import ConveyorOutbox
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTelemetry
import ConveyorWorker
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `conveyor outbox`: the rows applications insert into `conveyor_outbox`, what became of
/// them, and what to do with those that failed.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Show the conveyor_outbox rows waiting and failed; retry or drop failed rows; run a relay.",
        subcommands: [Status.self, Retry.self, Drop.self, Relay.self],
        defaultSubcommand: Status.self
    )

    /// `conveyor outbox status`: pending and failed rows, and why the failed ones failed.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count the pending and failed rows, and list the failed ones with their reasons.")

        @OptionGroup var connections: ConnectionOptions

        @Option(help: "Failed rows to list, the latest first, 0 to 1000.")
        var limit = 25

        func run() async throws {
            guard (0...1000).contains(limit) else { throw ValidationError("--limit must be from 0 to 1000") }
            let (summary, failed) = try await withDatabase(connections) { pool in
                (try await OutboxRows.summary(in: pool), try await OutboxRows.failed(in: pool, limit: limit))
            }
            let oldest = summary.oldestPendingAge.map { String(format: ", the oldest %.1f s old", $0) } ?? ""
            let putOff = summary.putOff > 0 ? " (\(summary.putOff) refused by a full queue for now)" : ""
            print("pending \(summary.pending)\(putOff)\(oldest)")
            print("failed  \(summary.failed)")
            guard !failed.isEmpty else { return }
            print(
                TextTable(
                    headers: ["ID", "KIND", "QUEUE", "TENANT", "FAILED", "ERROR"],
                    rows: failed.map { row in
                        let error = row.error.replacingOccurrences(of: "\n", with: " ")
                        return [
                            row.id.uuidString.lowercased(), row.kind, row.queue ?? "(the kind's)", row.tenant,
                            Timestamp(microseconds: Int64(row.failedAt.timeIntervalSince1970 * 1_000_000)).description,
                            error.count > 100 ? error.prefix(99) + "…" : error,
                        ]
                    },
                    empty: ""
                )
            )
            if summary.failed > failed.count { print("… \(summary.failed - failed.count) more: --limit") }
        }
    }

    /// `conveyor outbox retry`: failed rows go back to the relays.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make failed rows pending again (once fixed, or once their kind is deployed): the ids given, or --all.")

        @OptionGroup var selection: FailedRowSelection

        func run() async throws {
            let done = try await selection.apply(OutboxRows.retry)
            print("made \(done) row\(done == 1 ? "" : "s") pending again")
        }
    }

    /// `conveyor outbox drop`: failed rows are deleted.
    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete failed rows for good: the ids given, or --all.")

        @OptionGroup var selection: FailedRowSelection

        func run() async throws {
            let done = try await selection.apply(OutboxRows.drop)
            print("dropped \(done) row\(done == 1 ? "" : "s")")
        }
    }

    /// `conveyor outbox relay`: only the relay, which the API and the workers run anyway.
    struct Relay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Relay both outboxes' jobs to the queue until SIGTERM or SIGINT, as every API and worker process does besides its work."
        )

        @OptionGroup var connections: ConnectionOptions
        @OptionGroup var logging: LoggingOptions
        @OptionGroup var outbox: OutboxOptions

        func run() async throws {
            let logger = try logging.bootstrap(label: "conveyor.outbox")
            ConveyorMetricsFactory.bootstrap()
            let flusher = Task { await StandardOutput.flushPeriodically() }
            defer { flusher.cancel() }
            let registry = try JobCatalogue.registry()
            let redis = try await connections.connectRedis(logger: logger)
            let database = PostgresPool(configuration: try connections.postgresConfiguration(), logger: logger)
            let relay = try outbox.relay(database: database, queue: try await connections.jobQueue(redis), registry: registry, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: relay)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            logger.info("relaying the outboxes")
            try await group.run()
            await database.shutdown()
            await redis.shutdown()
            StandardOutput.flush()
        }
    }
}

/// The failed rows a retry or drop is about: ids, or all of them.
struct FailedRowSelection: ParsableArguments {
    @OptionGroup var connections: ConnectionOptions

    @Argument(help: "Row ids, as conveyor outbox lists them.")
    var ids: [String] = []

    @Flag(help: "Every failed row.")
    var all = false

    func validate() throws {
        guard all != !ids.isEmpty else { throw ValidationError("give row ids, or --all") }
    }

    /// Runs `action` on the selected rows; returns how many it took (a row that is not
    /// failed, or no longer there, is left alone).
    func apply(_ action: @escaping @Sendable (OutboxRows.Selection, PostgresPool) async throws -> Int) async throws -> Int {
        let selection: OutboxRows.Selection = try all ? .all : .ids(ids.map { text in
            guard let id = UUID(uuidString: text) else { throw ValidationError("'\(text)' is not a row id (a UUID, as conveyor outbox lists them)") }
            return id
        })
        return try await withDatabase(connections) { pool in try await action(selection, pool) }
    }
}

/// Runs `body` with a PostgreSQL pool of one connection, then closes it.
func withDatabase<Value: Sendable>(_ connections: ConnectionOptions, _ body: (PostgresPool) async throws -> Value) async throws -> Value {
    var configuration = try connections.postgresConfiguration()
    configuration.poolSize = 1
    let pool = PostgresPool(configuration: configuration, logger: Logger(label: "conveyor.admin"))
    do {
        let value = try await body(pool)
        await pool.shutdown()
        return value
    } catch {
        await pool.shutdown()
        throw error
    }
}
