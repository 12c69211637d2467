import NIOCore

/// What the pool's bookkeeping needs to know of a connection.
protocol PooledConnection: AnyObject {
    var openedAt: ContinuousClock.Instant { get }
}

extension PostgresConnection: PooledConnection {}

/// What a waiting `acquire` receives.
enum PostgresPoolGrant<Connection> {
    /// A connection that is open and idle.
    case connection(Connection)
    /// Room to open a new connection, which the acquiring task then opens itself.
    case slot
}

extension PostgresPoolGrant: Sendable where Connection: Sendable {}

/// The pool's bookkeeping: a state machine with no I/O of its own, so that it is tested
/// without a server. Every method runs under the pool's lock and returns the side effects
/// (closing connections, resuming waiters) for the pool to carry out after releasing it.
/// `Waiting` is what the pool resumes a waiting `acquire` through, `Finishing` what it
/// resumes a waiting `shutdown` through.
struct PostgresPoolState<Connection: PooledConnection, Waiting, Finishing> {
    typealias Grant = PostgresPoolGrant<Connection>

    /// An `acquire` waiting for a connection, first come first served.
    struct Waiter {
        let id: Int
        let waiting: Waiting
        var timer: Task<Void, Never>?
    }

    /// Side effects decided under the lock, carried out after it.
    struct Actions {
        var close: [Connection] = []
        var resume: [(Waiter, Result<Grant, any Error>)] = []
        /// A waiter just queued, whose acquire timeout must start.
        var startTimer: Int?
        var finishShutdown: [Finishing] = []
    }

    private let maximumConnections: Int
    private let maximumLifetime: Duration
    /// Open connections nobody leases, the most recently used last.
    private var idle: [Connection] = []
    private var leased: Set<ObjectIdentifier> = []
    /// Connections being opened by the tasks that were given a slot.
    private var opening = 0
    private var waiters = CircularBuffer<Waiter>()
    private var nextWaiterID = 0
    private var isShutdown = false
    private var shutdownWaiters: [Finishing] = []

    init(maximumConnections: Int, maximumLifetime: Duration) {
        self.maximumConnections = maximumConnections
        self.maximumLifetime = maximumLifetime
    }

    /// Connections that count against the pool's size.
    private var openCount: Int {
        self.idle.count + self.leased.count + self.opening
    }

    mutating func makeWaiterID() -> Int {
        self.nextWaiterID += 1
        return self.nextWaiterID
    }

    /// Serves `waiter` at once with an idle connection or a free slot, or queues it behind earlier waiters.
    mutating func acquire(_ waiter: Waiter, isCancelled: Bool, now: ContinuousClock.Instant) -> Actions {
        var actions = Actions()
        if self.isShutdown {
            actions.resume.append((waiter, .failure(PostgresError.shutdown())))
            return actions
        }
        if isCancelled {
            actions.resume.append((waiter, .failure(CancellationError())))
            return actions
        }
        actions.close = self.removeExpiredIdle(now: now)
        if self.waiters.isEmpty, let connection = self.idle.popLast() {
            self.leased.insert(ObjectIdentifier(connection))
            actions.resume.append((waiter, .success(.connection(connection))))
        } else if self.waiters.isEmpty, self.openCount < self.maximumConnections {
            self.opening += 1
            actions.resume.append((waiter, .success(.slot)))
        } else {
            self.waiters.append(waiter)
            actions.startTimer = waiter.id
        }
        return actions
    }

    /// Keeps the timer of a queued waiter so that serving it can stop the timer; false when the
    /// waiter was already served, and the timer is not needed.
    mutating func attach(timer: Task<Void, Never>, toWaiter id: Int) -> Bool {
        guard let index = self.waiters.firstIndex(where: { $0.id == id }) else { return false }
        self.waiters[index].timer = timer
        return true
    }

    /// Takes a waiter out of the queue, when it timed out or its task was cancelled, failing it with `error`.
    mutating func removeWaiter(id: Int, failingWith error: any Error) -> Actions {
        var actions = Actions()
        if let index = self.waiters.firstIndex(where: { $0.id == id }) {
            actions.resume.append((self.waiters.remove(at: index), .failure(error)))
        }
        return actions
    }

    /// Takes back a leased connection: to the first waiter or the idle list when it is still
    /// good, otherwise to be closed, its slot going to the first waiter. Unknown leases are ignored.
    mutating func release(_ connection: Connection, reusable: Bool, now: ContinuousClock.Instant) -> Actions {
        var actions = Actions()
        guard self.leased.remove(ObjectIdentifier(connection)) != nil else { return actions }
        if reusable && !self.isShutdown && !Self.hasOutlived(self.maximumLifetime, connection, now: now) {
            if let waiter = self.waiters.popFirst() {
                self.leased.insert(ObjectIdentifier(connection))
                actions.resume.append((waiter, .success(.connection(connection))))
            } else {
                self.idle.append(connection)
            }
            return actions
        }
        actions.close.append(connection)
        self.grantFreeSlots(into: &actions)
        return actions
    }

    /// Records a connection opened in a granted slot; false when the pool shut down meanwhile, and
    /// the connection must be closed.
    mutating func opened(_ connection: Connection) -> (accepted: Bool, actions: Actions) {
        self.opening -= 1
        var actions = Actions()
        guard !self.isShutdown else {
            actions.close.append(connection)
            self.finishShutdownIfClosed(into: &actions)
            return (false, actions)
        }
        self.leased.insert(ObjectIdentifier(connection))
        return (true, actions)
    }

    /// Frees the slot of a connection that could not be opened; the next waiter gets to try.
    mutating func openFailed() -> Actions {
        self.opening -= 1
        var actions = Actions()
        self.grantFreeSlots(into: &actions)
        return actions
    }

    /// Stops serving: fails the waiters and closes the idle connections. Leased ones close on release.
    mutating func shutdown() -> Actions {
        self.isShutdown = true
        var actions = Actions()
        while let waiter = self.waiters.popFirst() {
            actions.resume.append((waiter, .failure(PostgresError.shutdown())))
        }
        actions.close = self.idle
        self.idle.removeAll()
        return actions
    }

    /// Resumes `finishing` once no connection is open any more.
    mutating func awaitAllClosed(_ finishing: Finishing) -> Actions {
        self.shutdownWaiters.append(finishing)
        var actions = Actions()
        self.finishShutdownIfClosed(into: &actions)
        return actions
    }

    private static func hasOutlived(
        _ lifetime: Duration,
        _ connection: Connection,
        now: ContinuousClock.Instant
    ) -> Bool {
        connection.openedAt.duration(to: now) >= lifetime
    }

    private mutating func removeExpiredIdle(now: ContinuousClock.Instant) -> [Connection] {
        let lifetime = self.maximumLifetime
        let expired = self.idle.filter { Self.hasOutlived(lifetime, $0, now: now) }
        if !expired.isEmpty {
            self.idle.removeAll { Self.hasOutlived(lifetime, $0, now: now) }
        }
        return expired
    }

    private mutating func grantFreeSlots(into actions: inout Actions) {
        if self.isShutdown {
            self.finishShutdownIfClosed(into: &actions)
            return
        }
        while self.openCount < self.maximumConnections, let waiter = self.waiters.popFirst() {
            self.opening += 1
            actions.resume.append((waiter, .success(.slot)))
        }
    }

    private mutating func finishShutdownIfClosed(into actions: inout Actions) {
        guard self.isShutdown, self.openCount == 0 else { return }
        actions.finishShutdown += self.shutdownWaiters
        self.shutdownWaiters.removeAll()
    }
}

extension PostgresPoolState {
    var usage: PostgresPoolUsage {
        PostgresPoolUsage(size: maximumConnections, inUse: leased.count + opening, idle: idle.count, waiting: waiters.count)
    }
}
