import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// What a stream of server-sent events reports on: each look tells what changed since the last.
protocol EventSource: Sendable {
    /// The events that what the source watches has brought since the previous look, and
    /// whether it is over (none will follow them); nil when it cannot be read this time.
    mutating func next() async throws -> EventStream.Update?
}

/// A response of server-sent events (`text/event-stream`) that looks at its source every
/// `interval` and writes what it finds. It ends after the source's last update, after
/// `lifetime` or when the API begins to shut down (the client then reconnects, to another API
/// process if need be: a stream never holds a shutdown), or when its client goes away (a write fails); a
/// comment line is written after ``keepAlive`` without events, so that proxies and clients
/// keep an idle stream open, and so that a client gone is noticed.
enum EventStream {
    /// One event: its name (`event:`), its data, one line of JSON, and the id a client
    /// reconnecting sends back as `Last-Event-ID`, if any.
    struct Event: Sendable {
        var name: String
        var data: String
        var id: String?

        /// An event whose data is `value` as JSON.
        init(_ name: String, _ value: some Encodable, id: String? = nil) throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            self.name = name
            // JSON has no line breaks outside strings, where they are escaped: one `data:` line.
            self.data = String(decoding: try encoder.encode(value), as: UTF8.self)
            self.id = id
        }

        /// The event as the stream carries it.
        var text: String {
            var text = "event: \(name)\n"
            if let id { text += "id: \(id)\n" }
            return text + "data: \(data)\n\n"
        }
    }

    /// What one look at a source found.
    struct Update: Sendable {
        var events: [Event]
        /// No event will follow these: the stream ends after them.
        var isOver: Bool
    }

    /// The longest a stream stays silent: then it writes a comment line.
    static let keepAlive = Duration.seconds(15)
    /// How long a client waits before it reconnects, as the stream's first line tells it.
    static let reconnectMilliseconds = 5000

    static let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", .xAccelBuffering: "no"]

    /// A 200 response that streams `source`'s events, looking every `interval`, for at most `lifetime`.
    static func response(of source: some EventSource, every interval: Duration, lifetime: Duration, logger: Logger) -> Response {
        Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let clock = ContinuousClock()
                let ends = clock.now + lifetime
                var source = source
                var lastWrite = clock.now
                try await writer.write(ByteBuffer(string: "retry: \(reconnectMilliseconds)\n\n"))
                while clock.now < ends, !Task.isShuttingDownGracefully {
                    // A read that fails (Redis restarting) skips one look; a write that fails
                    // (the client went) ends the stream.
                    let update: Update?
                    do {
                        update = try await source.next()
                    } catch {
                        logger.debug("an event stream's look failed", metadata: ["error": "\(error)"])
                        update = nil
                    }
                    if let update, !update.events.isEmpty {
                        try await writer.write(ByteBuffer(string: update.events.map(\.text).joined()))
                        lastWrite = clock.now
                    }
                    if update?.isOver == true { break }
                    if lastWrite.duration(to: clock.now) >= keepAlive {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        lastWrite = clock.now
                    }
                    try await Task.sleep(for: interval)
                }
                try await writer.finish(nil)
            }
        )
    }
}
