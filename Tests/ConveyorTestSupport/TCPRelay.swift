import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay on 127.0.0.1 in front of a server, which a test can cut (every relayed
/// connection closed, no new one accepted) or black-hole (connections open, nothing passing)
/// and restore on the same port: an outage of that server as its clients see it, without
/// stopping it under the tests that run beside.
///
/// Each connection is relayed by two threads of its own, blocking on their sockets: a
/// test's handful of connections, never the cooperative pool.
public final class TCPRelay: Sendable {
    /// The port clients connect to.
    public let port: UInt16
    private let targetPort: UInt16
    private let state = Mutex(State())

    private struct State {
        var listener: Int32 = -1
        var sockets: Set<Int32> = []
        /// Bytes that, once a client sends them, make the next reply from the server close
        /// every relayed connection instead of arriving.
        var replyBreaker: [UInt8]?
        var breaksNextReply = false
        /// Bytes that, when a reply holds them, close every relayed connection instead.
        var lostReplyMarker: [UInt8]?
        var isBlackHoled = false
    }

    /// Relays 127.0.0.1:``port`` (chosen by the kernel) to 127.0.0.1:`targetPort`.
    public init(toPort targetPort: UInt16) throws {
        self.targetPort = targetPort
        let listener = try Self.listen(on: 0)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.port = UInt16(bigEndian: address.sin_port)
        startAccepting(listener)
    }

    /// Closes the listener and every relayed connection.
    public func cut() {
        // shutdown wakes the threads blocked in accept or read; each closes its own socket.
        state.withLock { state in
            if state.listener >= 0 { shutdown(state.listener, Int32(SHUT_RDWR)) }
            state.listener = -1
        }
        dropConnections()
    }

    /// Arms a lost reply: the first request a client sends that contains `marker` reaches
    /// the server, but its reply never reaches the client, whose connections all close as
    /// the reply arrives. New connections are taken as before. The server has done what was
    /// asked; the client cannot know it.
    public func loseReply(toRequestContaining marker: String) {
        state.withLock { $0.replyBreaker = Array(marker.utf8) }
    }

    /// Arms a lost reply: the first reply from the server that contains `marker` never
    /// reaches its client, whose connections all close as it arrives.
    public func loseReply(containing marker: String) {
        state.withLock { $0.lostReplyMarker = Array(marker.utf8) }
    }

    /// Closes every relayed connection, leaving the listener open.
    public func dropConnections() {
        // Under the lock, which a pump takes to forget its sockets before it closes them: a
        // socket shut down here is still open, never a descriptor that another connection
        // of this process has been given since.
        state.withLock { state in
            for socket in state.sockets { shutdown(socket, Int32(SHUT_RDWR)) }
            state.sockets = []
        }
    }

    /// Stops all traffic without a word: connections, old and new, are taken and stay open,
    /// but nothing passes in either direction until ``restore()``, as when a network stops
    /// delivering or a proxy's server vanishes. What is sent meanwhile is held and goes
    /// through on restore, as after a healed partition.
    public func blackHole() {
        state.withLock { $0.isBlackHoled = true }
    }

    /// Ends the outage: lets held and new traffic through after ``blackHole()``, and after
    /// ``cut()`` listens on ``port`` again, once the old listener's thread has closed it.
    public func restore() throws {
        let isListening = state.withLock { state in
            state.isBlackHoled = false
            return state.listener >= 0
        }
        guard !isListening else { return }
        var attempts = 0
        while true {
            do {
                startAccepting(try Self.listen(on: port))
                return
            } catch let error as RelayError where error.code == EADDRINUSE && attempts < 100 {
                attempts += 1
                usleep(20_000)
            }
        }
    }

    private func startAccepting(_ listener: Int32) {
        state.withLock { $0.listener = listener }
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client >= 0 {
                    relay(client)
                } else if errno != EINTR && errno != ECONNABORTED {
                    break
                }
            }
            // After a cut the listener is no longer in the state; after any other failure it
            // leaves it here, so that a later cut cannot shut down its reused descriptor.
            state.withLock { state in
                if state.listener == listener { state.listener = -1 }
            }
            close(listener)
        }
    }

    private func relay(_ client: Int32) {
        guard let server = try? Self.connect(to: targetPort) else {
            close(client)
            return
        }
        let accepted = state.withLock { state -> Bool in
            guard state.listener >= 0 else { return false }
            state.sockets.formUnion([client, server])
            return true
        }
        guard accepted else {
            close(client)
            close(server)
            return
        }
        let finished = Atomic<Int>(0)
        for (from, to) in [(client, server), (server, client)] {
            let isRequest = from == client
            Thread.detachNewThread { [self] in
                Self.copy(from: from, to: to) { bytes in
                    guard holdWhileBlackHoled(from, ended: { finished.load(ordering: .sequentiallyConsistent) > 0 }) else { return false }
                    return isRequest ? noteRequest(bytes) : allowReply(bytes)
                }
                shutdown(from, Int32(SHUT_RDWR))
                shutdown(to, Int32(SHUT_RDWR))
                // The second pump to end closes both sockets.
                if finished.add(1, ordering: .sequentiallyConsistent).newValue == 2 {
                    state.withLock { $0.sockets.subtract([client, server]) }
                    close(client)
                    close(server)
                }
            }
        }
    }

    /// Holds a pump's bytes while the relay is black-holed; false when the connection was
    /// dropped or ended meanwhile, and they are not to be sent.
    private func holdWhileBlackHoled(_ socket: Int32, ended: () -> Bool) -> Bool {
        while true {
            let (isBlackHoled, isOpen) = state.withLock { ($0.isBlackHoled, $0.sockets.contains(socket)) }
            if !isOpen || ended() { return false }
            if !isBlackHoled { return true }
            usleep(10_000)
        }
    }

    /// Arms the lost reply when a request holds the marker; always lets the request through.
    private func noteRequest(_ bytes: ArraySlice<UInt8>) -> Bool {
        state.withLock { state in
            if let marker = state.replyBreaker, Self.contains(bytes, marker) {
                state.replyBreaker = nil
                state.breaksNextReply = true
            }
        }
        return true
    }

    /// Whether a reply may go through; when it is to be lost, drops every connection instead.
    private func allowReply(_ bytes: ArraySlice<UInt8>) -> Bool {
        let breaks = state.withLock { state in
            defer { state.breaksNextReply = false }
            if let marker = state.lostReplyMarker, Self.contains(bytes, marker) {
                state.lostReplyMarker = nil
                return true
            }
            return state.breaksNextReply
        }
        if breaks { dropConnections() }
        return !breaks
    }

    private static func contains(_ bytes: ArraySlice<UInt8>, _ marker: [UInt8]) -> Bool {
        guard !marker.isEmpty, bytes.count >= marker.count else { return false }
        return (bytes.startIndex...(bytes.endIndex - marker.count)).contains { bytes[$0..<$0 + marker.count].elementsEqual(marker) }
    }

    /// Copies until either side closes, or `forward` refuses a piece.
    private static func copy(from source: Int32, to destination: Int32, forward: (ArraySlice<UInt8>) -> Bool) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard count > 0, forward(buffer[0..<count]) else { return }
            var sent = 0
            while sent < count {
                let written = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL)) }
                guard written > 0 else { return }
                sent += written
            }
        }
    }

    private static func loopback(_ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func listen(on port: UInt16) throws -> Int32 {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw RelayError(step: "socket", code: errno) }
        var on: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(listener, 64) == 0 else {
            let code = errno
            close(listener)
            throw RelayError(step: "bind or listen on port \(port)", code: code)
        }
        return listener
    }

    private static func connect(to port: UInt16) throws -> Int32 {
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard server >= 0 else { throw RelayError(step: "socket", code: errno) }
        var address = loopback(port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(server)
            throw RelayError(step: "connect to port \(port)", code: code)
        }
        return server
    }

    struct RelayError: Error, CustomStringConvertible {
        let step: String
        let code: Int32
        var description: String { "TCP relay: \(step) failed: \(String(cString: strerror(code)))" }
    }
}
