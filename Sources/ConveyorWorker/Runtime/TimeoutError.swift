import ConveyorCore

/// An attempt that ran past its job's timeout.
struct TimeoutError: Error, CustomStringConvertible {
    let timeout: Duration
    var description: String { "timed out after \(Int(timeout.milliseconds)) ms" }
}
