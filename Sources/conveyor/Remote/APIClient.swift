import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP API as the command line calls it: every request carries the key, a JSON answer
/// is decoded into what the caller asked for, and any other outcome is an ``APIError``.
struct APIClient: Sendable {
    /// `http(s)://host:port`, without a trailing slash.
    let baseURL: String
    let key: String

    /// How long a call that reads or requests something may take.
    private static let callTimeout: TimeAmount = .seconds(30)
    /// How long an upload or a download may take: the time a large file needs to travel.
    private static let transferTimeout: TimeAmount = .hours(6)
    /// The largest JSON answer read; an import's progress lists its failed chunks, a few KiB each.
    private static let answerLimit = 16 << 20

    /// `GET path`, its JSON answer decoded.
    func get<Answer: Decodable>(_ path: String, as type: Answer.Type) async throws -> Answer {
        try await decode(type, from: send(request(.GET, path), timeout: Self.callTimeout), answering: "GET \(path)")
    }

    /// Reads `path` every `interval`, handing each answer to `observe`, until `isFinished`
    /// says it is final, and answers that one. An API away for a moment (no connection, a
    /// 503) is asked again for up to `patience`, its error handed to `observe` meanwhile.
    func follow<Answer: Decodable>(
        _ path: String, as type: Answer.Type, every interval: Duration, patience: Duration = .seconds(60),
        until isFinished: (Answer) -> Bool, observe: (Result<Answer, APIError>) -> Void
    ) async throws -> Answer {
        var awaySince: ContinuousClock.Instant?
        while true {
            do {
                let answer = try await get(path, as: type)
                awaySince = nil
                observe(.success(answer))
                if isFinished(answer) { return answer }
            } catch let error as APIError where error.isTransient {
                let since = awaySince ?? .now
                guard ContinuousClock.now - since < patience else { throw error }
                awaySince = since
                observe(.failure(error))
            }
            try await Task.sleep(for: interval)
        }
    }

    /// `GET path` as a stream of server-sent events, each handed to `receive` as it comes,
    /// until the stream ends or `receive` answers false. `lastEventID` goes as `Last-Event-ID`.
    /// - Returns: false when the API answered 204 (no events: the stream has nothing to add).
    func events(_ path: String, lastEventID: String?, receive: (ServerSentEvent) async throws -> Bool) async throws -> Bool {
        var request = request(.GET, path)
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await send(request, timeout: Self.transferTimeout)
        guard response.status != .noContent else { return false }
        var parser = ServerSentEventParser()
        try await read(response, breakingOff: "the event stream") { piece in
            for event in parser.events(in: piece) {
                guard try await receive(event) else { return false }
            }
            return true
        }
        return true
    }

    /// `POST path` with a JSON body, its JSON answer decoded.
    func post<Answer: Decodable>(_ path: String, json: Data, as type: Answer.Type) async throws -> Answer {
        var request = request(.POST, path)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: json))
        return try await decode(type, from: send(request, timeout: Self.callTimeout), answering: "POST \(path)")
    }

    /// `POST path` with `file` as the body, read from disk piece by piece as the connection
    /// takes it, its JSON answer decoded.
    func upload<Answer: Decodable>(_ path: String, file: FileChunks, contentType: String, as type: Answer.Type) async throws -> Answer {
        var request = request(.POST, path)
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .stream(file, length: .known(file.size))
        return try await decode(type, from: send(request, timeout: Self.transferTimeout), answering: "POST \(path)")
    }

    /// `GET path`, its body handed to `receive` piece by piece as it arrives.
    func download(_ path: String, receive: (ByteBuffer) async throws -> Void) async throws {
        let response = try await send(request(.GET, path), timeout: Self.transferTimeout)
        try await read(response, breakingOff: "the download") { piece in
            try await receive(piece)
            return true
        }
    }

    /// Hands `response`'s body to `receive` piece by piece as it arrives, until it ends or
    /// `receive` answers false; a body that breaks off is `what` that broke off.
    private func read(_ response: HTTPClientResponse, breakingOff what: String, receive: (ByteBuffer) async throws -> Bool) async throws {
        var pieces = response.body.makeAsyncIterator()
        while true {
            let piece: ByteBuffer?
            do {
                piece = try await pieces.next()
            } catch {
                throw APIError.unreachable(baseURL: baseURL, reason: "\(what) broke off: \(APIError.reason(error))")
            }
            guard let piece, try await receive(piece) else { return }
        }
    }

    private func request(_ method: HTTPMethod, _ path: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "User-Agent", value: "conveyor/\(ConveyorVersion.current)")
        return request
    }

    /// The answer when its status is a success; otherwise the API's problem as an error.
    private func send(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: timeout)
        } catch {
            throw APIError.unreachable(baseURL: baseURL, reason: APIError.reason(error))
        }
        guard (200..<300).contains(response.status.code) else {
            let body = (try? await response.body.collect(upTo: Self.answerLimit)).map { String(buffer: $0) } ?? ""
            let problem = try? JSONDecoder().decode(APIProblem.self, from: Data(body.utf8))
            throw APIError.refused(status: Int(response.status.code), problem: problem, body: body)
        }
        return response
    }

    private func decode<Answer: Decodable>(_ type: Answer.Type, from response: HTTPClientResponse, answering call: String) async throws -> Answer {
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: Self.answerLimit)
        } catch {
            throw APIError.unreachable(baseURL: baseURL, reason: "the answer to \(call) broke off: \(APIError.reason(error))")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: Data(body.readableBytesView))
        } catch {
            throw APIError.unreadable(what: call, reason: "\(error)")
        }
    }
}
