import Hummingbird
import NIOCore

extension Request {
    /// The whole body, or a 413 problem when it is over `limit` bytes: at once when
    /// `Content-Length` says so, else as soon as more than that has arrived, so an
    /// oversized body is never held in memory.
    ///
    /// - Parameter what: the body's name in the problem's detail, e.g. "a job request".
    func collectBody(upTo limit: Int, describedAs what: String) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem.bodyTooLarge(limit: limit, what: what)
        }
        do {
            return try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Problem.bodyTooLarge(limit: limit, what: what)
        }
    }
}
