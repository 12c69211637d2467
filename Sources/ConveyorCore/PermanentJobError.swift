/// An error that no retry can fix, such as a payload that does not make sense: the job
/// goes to the dead set at once, with this reason.
public struct PermanentJobError: Error, Sendable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
