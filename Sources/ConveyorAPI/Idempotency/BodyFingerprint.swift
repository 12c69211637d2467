import ConveyorCore
import Crypto
import Hummingbird
import Synchronization

/// SHA-256 over a request's method, path with query, and body, taken as the body streams
/// past: two requests with one idempotency key must match in all of them.
final class BodyFingerprint: Sendable {
    private let hasher: Mutex<SHA256>

    init(of request: Request) {
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.uri.description)\n".utf8))
        self.hasher = Mutex(hasher)
    }

    func update(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in hasher.withLock { $0.update(bufferPointer: bytes) } }
    }

    var hexDigest: String { Hexadecimal.string(hasher.withLock { $0.finalize() }) }

    /// `request` with a body that feeds this fingerprint as the endpoint reads it.
    func observing(_ request: Request) -> Request {
        var request = request
        request.body = RequestBody(asyncSequence: request.body.map { [self] buffer in
            self.update(buffer)
            return buffer
        })
        return request
    }

    /// Reads the whole body into the fingerprint, for a request that is answered from the
    /// record rather than run; a body over `limit` bytes is refused with 413.
    func consume(_ request: Request, upTo limit: Int) async throws {
        var total = 0
        for try await buffer in request.body {
            total += buffer.readableBytes
            guard total <= limit else { throw Problem.bodyTooLarge(limit: limit, what: "the request body") }
            update(buffer)
        }
    }
}
