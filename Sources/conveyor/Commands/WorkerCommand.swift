import ArgumentParser
import ConveyorExports
import ConveyorExternal
import ConveyorImports
import ConveyorJobs
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorTelemetry
import ConveyorWorker
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `conveyor worker`: runs jobs until SIGTERM or SIGINT, then drains and exits 0.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run jobs from the queues until SIGTERM or SIGINT; then finish or hand back running jobs and exit."
    )

    @OptionGroup var connections: ConnectionOptions
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var external: ExternalOptions
    @OptionGroup var exports: ExportOptions
    @OptionGroup var metrics: MetricsOptions
    @OptionGroup var outbox: OutboxOptions

    @Option(help: "Jobs run at once (env CONVEYOR_CONCURRENCY; default 10).")
    var concurrency: String?

    @Option(help: "Reserved jobs kept at hand beyond the running ones: more cost Redis less per short job, fewer leave more of a short queue to other workers; 0 reserves only for free slots (env CONVEYOR_PREFETCH; default 250).")
    var prefetch: String?

    @Option(help: "Queues with weights, e.g. critical:5,default:1 (env CONVEYOR_QUEUES; default default,imports).")
    var queues: String?

    @Option(name: .customLong("lease"), help: "Seconds a job's lease lasts without renewal; a dead worker's jobs return after it (env CONVEYOR_LEASE; default 15).")
    var lease: String?

    @Option(name: .customLong("transaction-idle-limit"), help: "Seconds a job's PostgreSQL transaction may sit idle between statements before the server ends it, so that a worker cut off the network mid-transaction holds its locks no longer (env CONVEYOR_TRANSACTION_IDLE_LIMIT; default: the lease).")
    var transactionIdleLimit: String?

    @Option(name: .customLong("drain-timeout"), help: "Seconds running jobs may take to finish after SIGTERM before they are handed back (env CONVEYOR_DRAIN_TIMEOUT; default 25).")
    var drainTimeout: String?

    @Option(name: .customLong("import-retention"), help: "Seconds the records of a finished import (its chunks, ledger and failures) are kept (env CONVEYOR_IMPORT_RETENTION; default 2592000, 30 days).")
    var importRetention: String?

    @Option(name: .customLong("zombie-limit"), help: "Attempts that did not stop when told to (zombies) a worker runs beside before it takes no more jobs (env CONVEYOR_ZOMBIE_LIMIT; default 3).")
    var zombieLimit: String?

    func run() async throws {
        let logger = try logging.bootstrap(label: "conveyor.worker")
        ConveyorMetricsFactory.bootstrap()
        let tracer = try ConveyorTracing.bootstrap(serviceName: "conveyor-worker", environment: ProcessInfo.processInfo.environment, logger: logger)
        let configuration = try workerConfiguration()
        let externalSettings = try external.settings()
        var postgresConfiguration = try connections.postgresConfiguration()
        postgresConfiguration.transactionIdleLimit = try Setting<Duration>(flag: "--transaction-idle-limit", variable: "CONVEYOR_TRANSACTION_IDLE_LIMIT")
            .resolve(transactionIdleLimit, default: "\(configuration.lease.components.seconds)") { try parseSeconds($0, in: 1...86_400) }
        let flusher = Task { await StandardOutput.flushPeriodically() }
        defer { flusher.cancel() }

        // Once Redis answers: a setting that stops the start-up is the only thing it prints.
        let redis = try await connections.connectRedis(logger: logger)
        if externalSettings.webhookSecret == nil {
            logger.warning("no CONVEYOR_WEBHOOK_SECRET: webhooks, which are signed, cannot be sent, and their jobs fail for good")
        }
        let database = PostgresPool(configuration: postgresConfiguration, logger: logger)
        let externalClient = ExternalClient(redis: redis, settings: externalSettings)
        let queue = try await connections.jobQueue(redis)
        let exportSettings = try exports.settings()
        let exportFiles = try await exports.prepareFileStore(exportSettings, database: postgresConfiguration, logger: logger)
        let registry = try JobCatalogue.registry(exports: exportSettings, exportFiles: exportFiles, imports: try importRetentionSetting())
        let worker = Worker(
            configuration: configuration,
            queue: queue,
            redis: redis,
            registry: registry,
            database: database,
            external: externalClient,
            logger: logger,
            timingLogger: Logger(label: "conveyor.job")
        )
        // A group stops its services last to first: the tracer exports the spans of the last attempts.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = (tracer.map { [.init(service: $0)] } ?? []) + [
            .init(service: worker), .init(service: try outbox.relay(database: database, queue: queue, registry: registry, logger: logger)),
        ]
        if let server = try metrics.server(exposition: MetricsExposition { worker.recordUsage() }, logger: logger, health: { await worker.healthProblem() }) {
            services.append(.init(service: server.application()))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try await externalClient.shutdown()
        await exportFiles.shutdown()
        await database.shutdown()
        await redis.shutdown()
        StandardOutput.flush()
    }

    private func importRetentionSetting() throws -> ImportRetention {
        ImportRetention(
            retention: try Setting<Duration>(flag: "--import-retention", variable: "CONVEYOR_IMPORT_RETENTION")
                .resolve(importRetention, default: "2592000") { try parseSeconds($0, in: 3600...315_360_000) }
        )
    }

    private func workerConfiguration() throws -> WorkerConfiguration {
        let queues = try Setting<QueueWeights>(flag: "--queues", variable: "CONVEYOR_QUEUES")
            .resolve(self.queues, default: "default,imports") { try QueueWeights(parsing: $0) }
        var configuration = WorkerConfiguration(queues: queues)
        configuration.concurrency = try Setting<Int>(flag: "--concurrency", variable: "CONVEYOR_CONCURRENCY")
            .resolve(concurrency, default: "10") { try parseCount($0, in: 1...10_000) }
        configuration.prefetch = try Setting<Int>(flag: "--prefetch", variable: "CONVEYOR_PREFETCH")
            .resolve(prefetch, default: "250") { try parseCount($0, in: 0...1000) }
        configuration.lease = try Setting<Duration>(flag: "--lease", variable: "CONVEYOR_LEASE")
            .resolve(lease, default: "15") { try parseSeconds($0, in: 1...3600) }
        configuration.drainTimeout = try Setting<Duration>(flag: "--drain-timeout", variable: "CONVEYOR_DRAIN_TIMEOUT")
            .resolve(drainTimeout, default: "25") { try parseSeconds($0, in: 0...3600) }
        configuration.zombieLimit = try Setting<Int>(flag: "--zombie-limit", variable: "CONVEYOR_ZOMBIE_LIMIT")
            .resolve(zombieLimit, default: "3") { try parseCount($0, in: 0...10_000) }
        return configuration
    }
}
