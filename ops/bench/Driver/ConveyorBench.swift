import ArgumentParser

/// `conveyor-bench`: the measuring half of `ops/bench/noop`, `ops/bench/cache` and `ops/bench/export`. Each
/// subcommand does one measurement against the queue engine or the API and prints its figures as one line of
/// `key=value` pairs on standard output, for the script to read; anything else it has to
/// say goes to standard error.
@main
struct ConveyorBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conveyor-bench",
        abstract: "Measurements for ops/bench: enqueue rate, drain rate, pickup latency, worker memory, HTTP latency at a fixed rate, SHA-256 per MiB.",
        subcommands: [EnqueueCommand.self, WaitDrainedCommand.self, LatencyCommand.self, RateCommand.self, DigestCommand.self]
    )
}
