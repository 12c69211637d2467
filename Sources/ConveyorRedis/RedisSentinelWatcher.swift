import Logging
import NIOConcurrencyHelpers
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows the sentinels' `+switch-master` announcements for the configured master, on a thread of
/// its own, so that the client moves to a new master as soon as a failover ends rather than when
/// its connections to the old one fail, which they may never do if the old master lives on behind
/// a partition.
///
/// It subscribes through one sentinel at a time, taking the next when one fails, and asks the
/// sentinels for the master each time it subscribes, as announcements made meanwhile are lost.
final class RedisSentinelWatcher: Sendable {
    private struct State {
        var isRunning = true
        /// The socket of the subscription, which ``stop()`` shuts down to end the wait on it.
        var socket: Int32?
    }

    /// How long a subscription waits without a message before it is renewed, which also finds a
    /// sentinel that vanished without closing the connection.
    static let renewal: Duration = .seconds(15)
    /// Seconds of pause after a failed subscription, before the next sentinel is tried.
    static let pauseSeconds = 0.5

    private let locator: RedisServerLocator
    private let sentinel: RedisSentinelSettings
    private let logger: Logger
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let state = NIOLockedValueBox(State())
    /// 1 once stopping, which ends a pause at once.
    private let stopping = ConditionLock(value: 0)

    init(locator: RedisServerLocator, sentinel: RedisSentinelSettings, logger: Logger) {
        self.locator = locator
        self.sentinel = sentinel
        self.logger = logger
        self.thread.start()
        self.thread.submit { [self] _ in self.watch() }
    }

    /// Ends the subscription and stops the thread.
    func stop() async {
        self.state.withLockedValue { state in
            state.isRunning = false
            if let socket = state.socket {
                _ = shutdown(socket, Int32(SHUT_RDWR))
            }
        }
        self.stopping.lock()
        self.stopping.unlock(withValue: 1)
        try? await self.thread.shutdownGracefully()
    }

    private var isRunning: Bool {
        self.state.withLockedValue { $0.isRunning }
    }

    private func watch() {
        var next = 0
        while self.isRunning {
            let address = self.sentinel.sentinels[next % self.sentinel.sentinels.count]
            next += 1
            do {
                try self.subscribe(through: address)
            } catch {
                guard self.isRunning else {
                    return
                }
                if error.kind != .timeout {
                    self.logger.debug("the sentinel subscription ended", metadata: ["sentinel": "\(address)", "error": "\(error)"])
                }
            }
            if self.stopping.lock(whenValue: 1, timeoutSeconds: Self.pauseSeconds) {
                self.stopping.unlock()
                return
            }
        }
    }

    /// Subscribes through the sentinel at `address` and follows its announcements until the
    /// connection fails, stays silent for ``renewal``, or the watcher stops.
    private func subscribe(through address: RedisServerAddress) throws(RedisError) {
        let connection = try RedisConnection(configuration: self.locator.sentinelConfiguration(address), generation: 0)
        defer {
            self.state.withLockedValue { $0.socket = nil }
            connection.close()
        }
        guard self.state.withLockedValue({ state in
            state.socket = connection.socket
            return state.isRunning
        }) else {
            return
        }
        let reply = try connection.send(RedisCommand("SUBSCRIBE", "+switch-master"))
        if case .error(let message) = reply {
            throw RedisError(kind: .server, message: message)
        }
        if try self.locator.refresh() {
            self.logger.info("Redis master found", metadata: ["master": "\(self.sentinel.masterName)"])
        }
        try connection.setTimeout(Self.renewal)
        while true {
            let message = try connection.receive()
            // ["message", "+switch-master", "<name> <old ip> <old port> <new ip> <new port>"]
            guard let parts = message.array, parts.count == 3, parts[0].string == "message",
                let words = parts[2].string?.split(separator: " "), words.count == 5, words[0] == self.sentinel.masterName,
                let port = Int(words[4])
            else {
                continue
            }
            let master = RedisServerAddress(host: String(words[3]), port: port)
            if self.locator.adopt(master) {
                self.logger.warning(
                    "the sentinels switched the Redis master",
                    metadata: ["master": "\(self.sentinel.masterName)", "from": "\(words[1]):\(words[2])", "to": "\(master)"]
                )
            }
        }
    }
}
