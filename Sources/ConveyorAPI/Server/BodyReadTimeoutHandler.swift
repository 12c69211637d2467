import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `408` and closes the connection when a request's body stops arriving for longer
/// than the read timeout, so that a client that trickles or stalls holds a connection for a
/// bounded time and never a server resource for ever. It sits in each connection's pipeline
/// between the HTTP decoder and Hummingbird, where a pause is seen without a task per read.
///
/// The request being read fails with ``BodyReadTimeout`` before the connection closes, so the
/// endpoint reading the body sees an error, never a body cut short that looks whole.
final class BodyReadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    /// Between a request's head and its end.
    private var isReadingBody = false
    /// A response to the request being read has begun: a 408 can no longer be written.
    private var isAnswered = false
    private var lastRead = NIODeadline.now()
    private var requestID: String?
    private var timer: Scheduled<Void>?
    private var hasTimedOut = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            isReadingBody = true
            isAnswered = false
            requestID = head.headerFields[.requestID].flatMap(RequestIDMiddleware.accepting)
            lastRead = .now()
        case .body:
            lastRead = .now()
        case .end:
            isReadingBody = false
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    /// A body that did not arrive whole with its head is watched from here: a request whose
    /// body came in the same read as its head costs no timer.
    func channelReadComplete(context: ChannelHandlerContext) {
        if isReadingBody, timer == nil { schedule(context, at: lastRead + timeout) }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !hasTimedOut else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if isReadingBody, case .head = unwrapOutboundIn(data) { isAnswered = true }
        context.write(data, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) {
            self.check(context)
        }
    }

    private func check(_ context: ChannelHandlerContext) {
        timer = nil
        guard isReadingBody, !hasTimedOut else { return }
        let due = lastRead + timeout
        guard NIODeadline.now() >= due else {
            schedule(context, at: due)
            return
        }
        let seconds = Double(timeout.nanoseconds) / 1e9
        context.fireErrorCaught(BodyReadTimeout(seconds: seconds))
        if !isAnswered { answer(context, seconds: seconds) }
        hasTimedOut = true
        context.close(promise: nil)
    }

    /// Writes the 408 problem, marked to close the connection.
    private func answer(_ context: ChannelHandlerContext, seconds: Double) {
        let body = ByteBuffer(bytes: (try? BodyReadTimeout(seconds: seconds).problem.encodedBody()) ?? Data())
        var headers: HTTPFields = [
            .contentType: "application/problem+json", .contentLength: String(body.readableBytes), .connection: "close",
        ]
        headers[.requestID] = requestID ?? RequestIDMiddleware.generate()
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .requestTimeout, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// A request whose body stopped arriving for longer than the read timeout.
struct BodyReadTimeout: Error, CustomStringConvertible {
    let seconds: Double

    var problem: Problem { Problem.requestTimeout(seconds: seconds) }

    var description: String { problem.detail }
}
