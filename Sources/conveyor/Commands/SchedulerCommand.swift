import ArgumentParser
import ConveyorQueue
import ConveyorRedis
import ConveyorSchedules
import ConveyorTelemetry
import ConveyorWorker
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `conveyor scheduler`: enqueues the job of each schedule's ticks until SIGTERM or SIGINT.
/// Any number may run: each tick is enqueued once.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Enqueue the jobs of the cron schedules (jobs/schedules) at each tick; any number may run, each tick is enqueued once."
    )

    @OptionGroup var connections: ConnectionOptions
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var schedules: ScheduleOptions
    @OptionGroup var metrics: MetricsOptions

    @Option(help: "Seconds after its time that a tick is still on time; an older tick not yet enqueued was missed while no scheduler ran, and its schedule's 'missed' policy applies (env CONVEYOR_SCHEDULER_GRACE; default 60).")
    var grace: String?

    func run() async throws {
        let logger = try logging.bootstrap(label: "conveyor.scheduler")
        ConveyorMetricsFactory.bootstrap()
        let tracer = try ConveyorTracing.bootstrap(serviceName: "conveyor-scheduler", environment: ProcessInfo.processInfo.environment, logger: logger)
        let catalogue = try schedules.catalogue()
        let grace = try Setting<Duration>(flag: "--grace", variable: "CONVEYOR_SCHEDULER_GRACE")
            .resolve(self.grace, default: "60") { try parseSeconds($0, in: 1...86_400) }
        let flusher = Task { await StandardOutput.flushPeriodically() }
        defer { flusher.cancel() }

        let redis = try await connections.connectRedis(logger: logger)
        let scheduler = Scheduler(
            schedules: catalogue.enabled,
            dispatcher: TickDispatcher(
                queue: try await connections.jobQueue(redis), store: ScheduleStore(redis: redis), grace: grace
            ),
            logger: logger
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = (tracer.map { [.init(service: $0)] } ?? []) + [.init(service: scheduler)]
        if let server = try metrics.server(exposition: MetricsExposition(), logger: logger, health: { await redis.unreachableReason() }) {
            services.append(.init(service: server.application()))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await redis.shutdown()
        StandardOutput.flush()
    }
}
