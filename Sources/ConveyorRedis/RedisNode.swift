import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// The connections to one Redis server: a bounded pool, each connection driven by a thread of
/// the node's own, so that hiredis's blocking calls never hold up Swift's cooperative thread pool.
///
/// Connections open lazily, up to the pool's size; callers beyond that wait their turn, first
/// come, first served. A connection that fails is closed and replaced on a later call. Where the
/// server is, and whether a connection may serve again, is its locator's to say.
final class RedisNode: Sendable {
    let locator: RedisServerLocator
    private let logger: Logger
    private let pool: RedisConnectionPool
    /// One thread per pool slot, so a leased connection never waits for a thread.
    private let threadPool: NIOThreadPool
    private let isShutDown = NIOLockedValueBox(false)

    /// Starts the node's threads; no connection opens until the first call.
    init(locator: RedisServerLocator, logger: Logger) {
        let size = locator.configuration.poolSize
        self.locator = locator
        self.logger = logger
        self.pool = RedisConnectionPool(capacity: size)
        self.threadPool = NIOThreadPool(numberOfThreads: size)
        self.threadPool.start()
    }

    /// Leases a connection (opening it if the slot is vacant), runs `body` with it on a thread of the
    /// node's, and gives it back, or closes it if `body` failed, since a failure can leave replies unread.
    ///
    /// `body` throws only for connection failures; error replies are values.
    func withConnection<Value: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> Value
    ) async throws -> Value {
        let lease = try await self.pool.lease()
        let outcome: Result<Value, RedisError>
        do {
            outcome = try await self.threadPool.runIfActive { [pool, locator, logger] in
                let connection: RedisConnection
                if let leased = locator.reusable(lease.connection) {
                    connection = leased
                } else {
                    do throws(RedisError) {
                        connection = try locator.connect()
                    } catch {
                        _ = pool.release(nil)
                        return .failure(error)
                    }
                }
                do throws(RedisError) {
                    let value = try body(connection)
                    if locator.mayKeep(connection) {
                        pool.release(connection)?.close()
                    } else {
                        connection.close()
                        _ = pool.release(nil)
                    }
                    return .success(value)
                } catch {
                    logger.debug("closing a failed Redis connection", metadata: ["error": "\(error)"])
                    locator.noteFailure(error, generation: connection.generation)
                    connection.close()
                    _ = pool.release(nil)
                    return .failure(error)
                }
            }
        } catch {
            // The thread pool dropped the work unrun: the task was cancelled, or the node shut down and its
            // threads stopped, which leaves this thread to close an unused connection.
            self.pool.release(lease.connection)?.close()
            if self.isShutDown.withLockedValue({ $0 }) {
                throw RedisError.clientShutDown
            }
            throw error
        }
        return try outcome.get()
    }

    /// Closes the idle connections and stops the threads, after the calls in progress finish; later
    /// calls throw ``RedisError`` of kind `.shutdown`.
    func shutdown() async {
        self.isShutDown.withLockedValue { $0 = true }
        let idle = self.pool.shutDown()
        try? await self.threadPool.runIfActive {
            for connection in idle {
                connection.close()
            }
        }
        try? await self.threadPool.shutdownGracefully()
    }
}
