import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 client over a plain socket to 127.0.0.1, sending what it is told when it is
/// told: a body that trickles, or stops. Its blocking socket calls run on NIO's blocking
/// thread pool.
public final class RawHTTPConnection: Sendable {
    private let socket: Int32

    public init(port: Int) async throws {
        socket = try await NIOThreadPool.singleton.runIfActive {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard socket >= 0, connected == 0 else {
                let code = errno
                if socket >= 0 { close(socket) }
                throw ConnectionError(step: "connect to port \(port)", code: code)
            }
            return socket
        }
    }

    deinit {
        close(socket)
    }

    /// Sends `text` whole.
    public func send(_ text: String) async throws {
        let bytes = Array(text.utf8)
        try await NIOThreadPool.singleton.runIfActive { [socket] in
            var sent = 0
            while sent < bytes.count {
                let count = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
                guard count > 0 else { throw ConnectionError(step: "send", code: errno) }
                sent += count
            }
        }
    }

    /// What the server sent until it closed the connection, or until `timeout` passed; and
    /// whether it closed.
    public func readUntilClosed(timeout: Duration) async throws -> (text: String, closed: Bool) {
        try await NIOThreadPool.singleton.runIfActive { [socket] in
            let deadline = ContinuousClock.now + timeout
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 16_384)
            while true {
                let left = ContinuousClock.now.duration(to: deadline)
                guard left > .zero else { return (String(decoding: received, as: UTF8.self), false) }
                var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
                if ready <= 0 { continue }
                let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
                if count <= 0 { return (String(decoding: received, as: UTF8.self), true) }
                received += buffer[0..<count]
            }
        }
    }

    struct ConnectionError: Error, CustomStringConvertible {
        let step: String
        let code: Int32
        var description: String { "raw HTTP connection: \(step) failed: \(String(cString: strerror(code)))" }
    }
}
