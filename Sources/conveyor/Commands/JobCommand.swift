import ArgumentParser
import ConveyorQueue
import ConveyorRedis
import Foundation
import Logging

/// `conveyor job ID`: prints a job's record as JSON; with `--follow`, follows the job through
/// the API's event stream until it is final: a progress bar on a terminal, plain lines
/// elsewhere, and its outcome at the end, exiting non-zero unless it succeeded.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "job", abstract: "Show a job: state, attempts, timings, error, result; or follow it to its end.")

    @OptionGroup var connections: ConnectionOptions
    @OptionGroup var job: JobIDArgument

    @Flag(
        name: [.customLong("follow"), .customLong("watch")],
        help: "Follow the job through the API (GET /v1/jobs/{id}/events) until it succeeds, dies or is cancelled, showing its progress.")
    var follow = false

    @OptionGroup var api: APIClientOptions

    func run() async throws {
        let jobID = try job.jobID()
        if follow { return try await self.follow(jobID) }
        let redis = try await connections.connectRedis(logger: Logger(label: "conveyor.job"))
        let record = try await connections.jobQueue(redis).job(jobID)
        await redis.shutdown()
        guard let record else { throw ValidationError("no job \(jobID): it never existed, or it finished and expired") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(record), as: UTF8.self))
    }

    /// How long the API may be away before following gives up.
    private static let patience = Duration.seconds(60)

    /// Follows the job's events, reconnecting (with the last event's id) when a stream ends
    /// before the job does or the API is away for a moment.
    private func follow(_ id: JobID) async throws {
        let client = try api.client()
        let status = StatusLine()
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var lastEventID: String?
        var state: JobStateUpdate?
        var progress: JobProgressUpdate?
        var awaySince: ContinuousClock.Instant?
        while state?.isFinal != true {
            do {
                let streamed = try await client.events("/v1/jobs/\(id)/events", lastEventID: lastEventID) { event in
                    if let id = event.id { lastEventID = id }
                    switch event.name {
                    case "state": state = try decoder.decode(JobStateUpdate.self, from: Data(event.data.utf8))
                    case "progress": progress = try decoder.decode(JobProgressUpdate.self, from: Data(event.data.utf8))
                    default: return true
                    }
                    show(state, progress, on: status)
                    return state?.isFinal != true
                }
                awaySince = nil
                // 204: the stream has nothing to add to what this command was told.
                if !streamed { break }
            } catch let error as APIError where error.isTransient {
                let since = awaySince ?? .now
                guard ContinuousClock.now - since < Self.patience else { throw error }
                awaySince = since
                status.show("the API is away, asking again: \(error)", plain: "the API is away, asking again: \(error)")
                try await Task.sleep(for: .seconds(1))
            }
        }
        status.print(outcome(of: id, state, progress, took: status.elapsed))
        guard state?.state == "succeeded" else { throw ExitCode.failure }
    }

    private func show(_ state: JobStateUpdate?, _ progress: JobProgressUpdate?, on status: StatusLine) {
        guard let state else { return }
        let attempt = "attempt \(state.attempt)/\(state.maxAttempts)"
        let done = progress.map { "\(Figures.grouped($0.done))/\(Figures.grouped($0.total))" }
        let message = progress.flatMap { $0.message.isEmpty ? nil : $0.message }
        status.show(
            ProgressBar.line(
                label: state.state, fraction: progress.map { Double($0.done) / Double(max($0.total, 1)) } ?? 0,
                figures: [done, attempt, Figures.clock(status.elapsed), message].compactMap { $0 }, width: status.width
            ),
            plain: "\(state.state): " + [done, message, attempt].compactMap { $0 }.joined(separator: ", "),
            urgent: state.isFinal
        )
    }

    /// The job's end in one line: its state, attempts, last progress and error.
    private func outcome(of id: JobID, _ state: JobStateUpdate?, _ progress: JobProgressUpdate?, took duration: Duration) -> String {
        guard let state else { return "job \(id): no events came; `conveyor job \(id)` shows its record" }
        var text = "job \(id) \(state.state) after attempt \(state.attempt) of \(state.maxAttempts), \(Figures.seconds(duration)) followed"
        if let progress { text += "; last progress \(Figures.grouped(progress.done))/\(Figures.grouped(progress.total))" }
        if let error = state.error, state.state != "succeeded" { text += "\nerror: \(error)" }
        return text
    }
}
