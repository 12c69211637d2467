import ArgumentParser
import ConveyorQueue

/// The id of the job a command acts on.
struct JobIDArgument: ParsableArguments {
    @Argument(help: "The job id, as enqueue printed it.")
    var id: String

    /// The id, checked.
    func jobID() throws -> JobID {
        do { return try JobID(id) } catch { throw ValidationError("\(error)") }
    }
}
