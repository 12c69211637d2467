import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection that sends GET requests one at a time and reads
/// each answer whole, for the fixed-rate load of `conveyor-bench rate`.
struct HTTPConnection {
    let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    static func connect(host: String, port: Int) async throws -> HTTPConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return HTTPConnection(channel: channel)
    }

    /// Runs `body` with a function that sends one request and returns its status once the
    /// whole answer has arrived; closes the connection after.
    func run<Value>(
        _ body: (_ send: (HTTPRequestHead) async throws -> UInt) async throws -> Value
    ) async throws -> Value {
        try await channel.executeThenClose { inbound, outbound in
            var responses = inbound.makeAsyncIterator()
            return try await body { head in
                try await outbound.write(.head(head))
                try await outbound.write(.end(nil))
                var status: UInt = 0
                while let part = try await responses.next() {
                    switch part {
                    case .head(let response): status = response.status.code
                    case .body: continue
                    case .end: return status
                    }
                }
                throw BenchError("the server closed the connection before answering")
            }
        }
    }
}
