/// What a key may do. A producer enqueues and reads its own tenant's jobs and imports; an
/// admin may do that for every tenant and run the operations routes (queues, workers,
/// dead jobs, retries, pause and resume).
public enum APIRole: String, Sendable, CaseIterable, Comparable {
    case producer
    case admin

    public static func < (lhs: APIRole, rhs: APIRole) -> Bool {
        lhs == .producer && rhs == .admin
    }
}
