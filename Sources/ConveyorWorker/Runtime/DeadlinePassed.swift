import ConveyorCore

/// A job taken after its deadline, before it ever started: it is discarded, not run.
struct DeadlinePassed: Error, CustomStringConvertible {
    let deadline: Timestamp
    var description: String { "its deadline \(deadline) passed before it started" }
}
