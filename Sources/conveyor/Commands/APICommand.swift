import ArgumentParser
import ConveyorAPI
import ConveyorExports
import ConveyorImports
import ConveyorJobs
import ConveyorPostgres
import ConveyorQueue
import ConveyorRedis
import ConveyorSchedules
import ConveyorTelemetry
import ConveyorWorker
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `conveyor api`: the HTTP API. It checks requests, enqueues jobs and reports on them;
/// it never runs job work. SIGTERM or SIGINT stop it after the requests in flight.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve the HTTP API: enqueue jobs and report on them, until SIGTERM or SIGINT.",
        discussion: "The metrics token, which may read /metrics besides admin keys, comes from CONVEYOR_METRICS_TOKEN; the secret the dashboard at /ui signs its sessions with, from CONVEYOR_UI_SECRET (a random one of this process without it)."
    )

    @OptionGroup var server: APIOptions
    @OptionGroup var connections: ConnectionOptions
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var exports: ExportOptions
    @OptionGroup var outbound: OutboundOptions
    @OptionGroup var schedules: ScheduleOptions
    @OptionGroup var outbox: OutboxOptions

    func run() async throws {
        let logger = try logging.bootstrap(label: "conveyor.api")
        ConveyorMetricsFactory.bootstrap()
        let tracer = try ConveyorTracing.bootstrap(serviceName: "conveyor-api", environment: ProcessInfo.processInfo.environment, logger: logger)
        var configuration = try server.configuration()
        configuration.tracing = tracer != nil
        let postgresConfiguration = try connections.postgresConfiguration()
        // Queue settings that do not parse stop the process before it connects.
        _ = try connections.queuePolicy()
        let flusher = Task { await StandardOutput.flushPeriodically() }
        defer {
            flusher.cancel()
            StandardOutput.flush()
        }

        let redis = try await connections.connectRedis(logger: logger)
        let database = PostgresPool(configuration: postgresConfiguration, logger: logger)
        // /ready checks through one connection to each server of its own.
        var readinessRedisConfiguration = try connections.redisConfiguration()
        readinessRedisConfiguration.poolSize = 1
        var readinessPostgresConfiguration = postgresConfiguration
        readinessPostgresConfiguration.poolSize = 1
        let readinessRedis = RedisClient(configuration: readinessRedisConfiguration, logger: logger)
        let readinessDatabase = PostgresPool(configuration: readinessPostgresConfiguration, logger: logger)
        let queue = try await connections.jobQueue(redis)
        let imports = ImportIntake(
            catalogue: try JobCatalogue.datasets(), pool: database, queue: queue, queueName: try server.importQueue(), logger: logger
        )
        let exportSettings = try exports.settings()
        let exportFiles = try await exports.prepareFileStore(exportSettings, database: postgresConfiguration, logger: logger)
        let exportIntake = ExportIntake(
            catalogue: try JobCatalogue.exports(), settings: exportSettings, files: exportFiles, pool: database, queue: queue
        )
        let registry = try JobCatalogue.registry(exports: exportSettings, exportFiles: exportFiles)
        let services = APIServices(
            redis: redis, queue: queue, registry: registry,
            database: database, imports: imports,
            exports: exportIntake, caches: try JobCatalogue.caches(), cacheQueue: try server.cacheQueue(),
            readiness: (readinessRedis, readinessDatabase), outbound: try outbound.policy(), schedules: try schedules.catalogue().schedules
        )
        let application = buildApplication(configuration: configuration, services: services, logger: logger)
        // A group stops its services last to first: the tracer exports the spans of the others' last requests.
        let running: [ServiceGroupConfiguration.ServiceConfiguration] = (tracer.map { [.init(service: $0)] } ?? []) + [
            .init(service: application), .init(service: try outbox.relay(database: database, queue: queue, registry: registry, logger: logger)),
        ]
        let group = ServiceGroup(configuration: .init(services: running, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info(
            "API keys loaded",
            metadata: ["keys": .array(configuration.keyring.keys.map { .string("\($0.name) (\($0.role.rawValue), tenant \($0.tenant))") })]
        )
        func shutdownClients() async {
            await exportFiles.shutdown()
            await database.shutdown()
            await redis.shutdown()
            await readinessDatabase.shutdown()
            await readinessRedis.shutdown()
        }
        do {
            try await group.run()
        } catch {
            await shutdownClients()
            throw ValidationError(
                "the API could not serve on \(configuration.host):\(configuration.port) (--host / CONVEYOR_API_HOST, --port / CONVEYOR_API_PORT): \(error)"
            )
        }
        await shutdownClients()
    }
}
