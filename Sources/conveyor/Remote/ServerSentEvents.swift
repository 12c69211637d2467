import NIOCore

/// One server-sent event as a stream of the API carries it.
struct ServerSentEvent: Sendable {
    var name: String
    var data: String
    var id: String?
}

/// Reads server-sent events out of a stream's body, piece by piece: lines end with `\n`, an
/// event ends with an empty line, and comment (`:`) and `retry:` lines are passed over.
struct ServerSentEventParser {
    private var pending: [UInt8] = []
    private var name = "message"
    private var data: [String] = []
    private var id: String?

    /// The events that `piece` completes.
    mutating func events(in piece: ByteBuffer) -> [ServerSentEvent] {
        pending += piece.readableBytesView
        var events: [ServerSentEvent] = []
        while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = String(decoding: pending[..<end], as: UTF8.self)
            pending.removeSubrange(...end)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty {
                if !data.isEmpty { events.append(ServerSentEvent(name: name, data: data.joined(separator: "\n"), id: id)) }
                name = "message"
                data = []
                continue
            }
            guard !line.hasPrefix(":"), let colon = line.firstIndex(of: ":") else { continue }
            var value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
            switch line[..<colon] {
            case "event": name = String(value)
            case "data": data.append(String(value))
            case "id": id = String(value)
            default: break
            }
        }
        return events
    }
}
