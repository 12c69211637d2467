import ArgumentParser

/// The `conveyor` command: every process of the system, and its administration.
@main
struct Conveyor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conveyor",
        abstract: "A job queue: an HTTP API enqueues, workers run, Redis holds the queues, PostgreSQL the data.",
        version: ConveyorVersion.current,
        subcommands: [
            APICommand.self, WorkerCommand.self, SchedulerCommand.self, MigrateCommand.self, EnqueueCommand.self, JobCommand.self, BatchCommand.self,
            CancelCommand.self, SchedulesCommand.self, StatsCommand.self, TopCommand.self, DeadCommand.self, PauseCommand.self,
            ResumeCommand.self, ImportCommand.self, ExportCommand.self, OutboxCommand.self,
        ]
    )
}
