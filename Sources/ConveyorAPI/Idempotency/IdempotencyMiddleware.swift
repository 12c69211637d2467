import Hummingbird
import Logging
import Synchronization

/// `Idempotency-Key` on a request that creates work. The first request with a key (per
/// tenant) runs and its answer is kept; a repeat with the same method, path and body gets
/// that answer again, marked `Idempotent-Replayed: true`, and creates nothing; the same key
/// with another request is a 409. A repeat that arrives while the first still runs waits
/// for its answer. Only a 2xx answer is kept: a refused or failed request frees its key, so
/// the caller can fix it and send it again with the same key.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let store: IdempotencyStore
    /// The largest body read to compare a repeat with the first request.
    let maxBodyBytes: Int
    /// How long a repeat waits for the first request to be answered before giving up with 409.
    var waitLimit: Duration = .seconds(15)
    /// A waiting repeat asks again after 5 to 10 ms, then about twice as long each time up to
    /// this, so that many repeats of a slow request do not crowd Redis while they wait.
    static let longestPause = 250

    /// Keys are 1 to 255 visible ASCII characters, e.g. a UUID.
    static let maxKeyLength = 255

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = request.headers[.idempotencyKey] else { return try await next(request, context) }
        guard (1...Self.maxKeyLength).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw Problem(
                status: .badRequest, type: "invalid-idempotency-key", title: "The Idempotency-Key header is invalid",
                detail: "an Idempotency-Key is 1 to \(Self.maxKeyLength) visible ASCII characters without spaces, such as a UUID"
            )
        }
        let recordKey = IdempotencyStore.recordKey(tenant: try context.authenticatedCaller().tenant, key: key)
        let clock = ContinuousClock()
        let deadline = clock.now + waitLimit
        var pause = 5
        while true {
            switch try await store.claim(recordKey) {
            case .claimed(let epoch):
                return try await runFirst(request, context: context, key: key, epoch: epoch, recordKey: recordKey, next: next)
            case .answered(let answer):
                let fingerprint = BodyFingerprint(of: request)
                try await fingerprint.consume(request, upTo: maxBodyBytes)
                guard fingerprint.hexDigest == answer.fingerprint else {
                    throw Problem.conflict(
                        type: "idempotency-key-reused", title: "The Idempotency-Key was used for another request",
                        "Idempotency-Key '\(key)' was used for a request with another method, path or body: use a new key for a new request"
                    )
                }
                return answer.replay
            case .pending:
                guard clock.now < deadline else {
                    throw Problem(
                        status: .conflict, type: "idempotency-key-in-use", title: "A request with this Idempotency-Key is in progress",
                        detail: "the first request with Idempotency-Key '\(key)' has not been answered yet: retry shortly to get its answer",
                        headers: [.retryAfter: "1"]
                    )
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: pause...pause * 2)))
                pause = min(pause * 2, Self.longestPause)
            }
        }
    }

    /// Runs the first request with a key, and keeps its answer if it is a 2xx.
    private func runFirst(
        _ request: Request, context: Context, key: String, epoch: String, recordKey: String,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let fingerprint = BodyFingerprint(of: request)
        var context = context
        context.idempotency = IdempotentRequest(
            tenant: try context.authenticatedCaller().tenant, key: key, epoch: epoch, fingerprint: fingerprint
        )
        let response: Response
        do {
            response = try await next(fingerprint.observing(request), context)
        } catch {
            await release(recordKey, context: context)
            throw error
        }
        guard (200..<300).contains(response.status.code) else {
            await release(recordKey, context: context)
            return response
        }
        let body = try await Self.collect(response.body)
        let answer = StoredResponse(
            fingerprint: fingerprint.hexDigest, status: response.status.code, contentType: response.headers[.contentType],
            location: response.headers[.location], body: Array(buffer: body)
        )
        do {
            try await store.store(answer, at: recordKey)
        } catch {
            // The work is done: answer it. A repeat finds the key pending until its lease ends,
            // then runs again, making the same job ids, which the queue takes once.
            context.logger.warning("could not keep the answer for an Idempotency-Key", metadata: ["error": "\(error)"])
        }
        var kept = response
        kept.body = .init(byteBuffer: body)
        return kept
    }

    private func release(_ recordKey: String, context: Context) async {
        do {
            try await store.release(recordKey)
        } catch {
            context.logger.warning(
                "could not free an Idempotency-Key; it frees itself when its lease ends", metadata: ["error": "\(error)"]
            )
        }
    }

    /// The whole body of a response, which the API's endpoints give as one buffer.
    private static func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let collector = Collector()
        try await body.write(collector)
        return collector.buffer.withLock { $0 }
    }

    private final class Collector: ResponseBodyWriter, Sendable {
        let buffer = Mutex(ByteBuffer())

        func write(_ piece: ByteBuffer) async throws {
            buffer.withLock { _ = $0.writeImmutableBuffer(piece) }
        }

        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
