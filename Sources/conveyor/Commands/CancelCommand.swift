import ArgumentParser
import ConveyorQueue

/// `conveyor cancel ID`: cancels a job that has not finished, as `DELETE /v1/jobs/{id}` does.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a job that has not finished: a waiting one never runs, a running one's worker stops it."
    )

    @OptionGroup var connections: ConnectionOptions
    @OptionGroup var job: JobIDArgument

    func run() async throws {
        let jobID = try job.jobID()
        switch try await withQueue(connections, { try await $0.cancel(jobID) }) {
        case .cancelled:
            print("cancelled \(jobID)")
        case .cancelledWhileRunning:
            print("cancelled \(jobID): it was running, and its worker stops it within a second")
        case .notFound:
            throw ValidationError("no job \(jobID): it never existed, or it finished and expired")
        case .notCancellable(let state):
            throw ValidationError("job \(jobID) is \(state.rawValue): only a job that has not finished can be cancelled")
        }
    }
}
