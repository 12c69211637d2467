import ArgumentParser
import ConveyorQueue

/// `conveyor pause QUEUE`: workers stop taking the queue's jobs; enqueueing goes on.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop workers taking a queue's jobs; enqueueing goes on.")

    @OptionGroup var connections: ConnectionOptions

    @Argument(help: "The queue.")
    var queue: String

    func run() async throws {
        try await withKnownQueue(queue, connections) { queue, name in try await queue.pause(name) }
        print("paused \(queue)")
    }
}

/// `conveyor resume QUEUE`: workers take the queue's jobs again.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Let workers take a paused queue's jobs again.")

    @OptionGroup var connections: ConnectionOptions

    @Argument(help: "The queue.")
    var queue: String

    func run() async throws {
        try await withKnownQueue(queue, connections) { queue, name in try await queue.resume(name) }
        print("resumed \(queue)")
    }
}

/// Runs `body` on the queue named `text`, which must have had jobs: a mistyped name is an
/// error rather than a pause of a queue nobody uses.
private func withKnownQueue(_ text: String, _ connections: ConnectionOptions, _ body: (JobQueue, QueueName) async throws -> Void) async throws {
    let name: QueueName
    do { name = try QueueName(text) } catch { throw ValidationError("\(error)") }
    try await withQueue(connections) { queue in
        let known = try await queue.knownQueues()
        guard known.contains(name) else {
            throw ValidationError("there is no queue '\(name)': the queues are \(known.map(\.rawValue).joined(separator: ", "))")
        }
        try await body(queue, name)
    }
}
