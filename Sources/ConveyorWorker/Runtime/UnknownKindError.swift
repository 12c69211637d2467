/// A job whose kind this worker does not know (an older build than the producer's).
/// Retried, since a newer worker may know it; dead once its attempts are spent.
struct UnknownKindError: Error, CustomStringConvertible {
    let kind: String
    let known: [String]
    var description: String { "unknown job kind '\(kind)': this worker knows \(known.joined(separator: ", "))" }
}
