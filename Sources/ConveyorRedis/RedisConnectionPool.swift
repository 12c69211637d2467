import NIOConcurrencyHelpers
import NIOCore

/// Hands out at most `capacity` connections, each to one caller at a time; waiters are served first come, first served.
///
/// The pool only counts and hands over, so it never blocks: the holder of a lease opens and closes
/// connections, on a thread of the client's.
final class RedisConnectionPool: Sendable {
    /// The right to use one connection slot until `release(_:)`.
    enum Lease: Sendable {
        /// An idle connection to use.
        case connection(RedisConnection)
        /// A free slot, in which the holder opens a new connection.
        case vacancy

        var connection: RedisConnection? {
            if case .connection(let connection) = self {
                return connection
            }
            return nil
        }
    }

    private enum Availability {
        case leased(Lease)
        case mustWait(waiterID: UInt64)
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Lease, any Error>
    }

    private struct State {
        var idle: [RedisConnection] = []
        /// Connections idle, leased or being opened; never more than `capacity`.
        var slotsInUse = 0
        var waiters = CircularBuffer<Waiter>()
        var nextWaiterID: UInt64 = 0
        var isShutDown = false
    }

    private let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int) {
        precondition(capacity > 0, "a Redis connection pool needs room for at least one connection")
        self.capacity = capacity
    }

    /// Waits for an idle connection or a free slot.
    ///
    /// - Throws: `RedisError.Kind.shutdown` once the pool is shut down; `CancellationError` if the task is
    ///   cancelled while it waits.
    func lease() async throws -> Lease {
        let id: UInt64
        switch try self.state.withLockedValue({ try self.leaseAtOnce(&$0) }) {
        case .leased(let lease):
            return lease
        case .mustWait(let waiterID):
            id = waiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let outcome = self.state.withLockedValue { state -> Result<Lease, any Error>? in
                    // A connection may have come back since the first look.
                    do {
                        if case .leased(let lease) = try self.leaseAtOnce(&state) {
                            return .success(lease)
                        }
                    } catch {
                        return .failure(error)
                    }
                    // Checked under the lock: a cancellation handler that ran before this point found
                    // no waiter to remove, so none may be queued.
                    if Task.isCancelled {
                        return .failure(CancellationError())
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let outcome {
                    continuation.resume(with: outcome)
                }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { state -> Waiter? in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Ends a lease: gives back the connection, or `nil` when it was closed or never opened, which frees its slot.
    ///
    /// - Returns: the connection, for the caller to close, when the pool has shut down meanwhile.
    func release(_ connection: RedisConnection?) -> RedisConnection? {
        let (handover, surplus) = self.state.withLockedValue { state -> ((Waiter, Lease)?, RedisConnection?) in
            if let connection, !state.isShutDown {
                guard let waiter = state.waiters.popFirst() else {
                    state.idle.append(connection)
                    return (nil, nil)
                }
                return ((waiter, .connection(connection)), nil)
            }
            guard let waiter = state.waiters.popFirst() else {
                state.slotsInUse -= 1
                return (nil, connection)
            }
            return ((waiter, .vacancy), connection)
        }
        if let (waiter, lease) = handover {
            waiter.continuation.resume(returning: lease)
        }
        return surplus
    }

    /// Refuses further leases, fails the waiters, and returns the idle connections for the caller to close.
    func shutDown() -> [RedisConnection] {
        let (waiters, idle) = self.state.withLockedValue { state in
            state.isShutDown = true
            defer {
                state.waiters.removeAll()
                state.slotsInUse -= state.idle.count
                state.idle.removeAll()
            }
            return (state.waiters, state.idle)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: RedisError.clientShutDown)
        }
        return idle
    }

    private func leaseAtOnce(_ state: inout State) throws(RedisError) -> Availability {
        if state.isShutDown {
            throw RedisError.clientShutDown
        }
        if let connection = state.idle.popLast() {
            return .leased(.connection(connection))
        }
        if state.slotsInUse < self.capacity {
            state.slotsInUse += 1
            return .leased(.vacancy)
        }
        defer { state.nextWaiterID += 1 }
        return .mustWait(waiterID: state.nextWaiterID)
    }
}
