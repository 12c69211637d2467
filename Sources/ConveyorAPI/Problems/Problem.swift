public import ConveyorCore
import ConveyorQueue
import Foundation
public import Hummingbird

/// An error answer in the format of RFC 9457, `application/problem+json`: what kind of
/// problem (`type`, `title`), the HTTP `status`, a `detail` that tells the caller what to
/// fix, and, for bad input, one entry per bad field or line in `errors`.
///
/// Endpoints throw it; ``ProblemMiddleware`` turns every other error into one, so no
/// response of the API is an error in another format.
public struct Problem: Error, HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// The problem type's short name, such as `invalid-job`; the body's `type` is
    /// `urn:conveyor:problem:` followed by it.
    public var type: String
    /// A short summary that is the same for every problem of the type.
    public var title: String
    /// This occurrence: what is wrong and what to do about it.
    public var detail: String
    /// The bad fields or lines, when there are any.
    public var errors: [ProblemIssue]
    /// Further members of the body, beside the standard ones (RFC 9457 §3.2).
    public var members: [String: JSONValue]
    /// Headers the response carries, such as `Retry-After` or `Allow`.
    public var headers: HTTPFields

    public init(
        status: HTTPResponse.Status,
        type: String,
        title: String,
        detail: String,
        errors: [ProblemIssue] = [],
        members: [String: JSONValue] = [:],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors = errors
        self.members = members
        self.headers = headers
    }

    /// The URI that identifies the problem type in the body.
    public var typeURI: String { "urn:conveyor:problem:\(type)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try encodedBody()
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The body, as `application/problem+json`.
    func encodedBody() throws -> Data {
        try APIRequestContext.makeEncoder().encode(Body(problem: self))
    }

    /// The JSON body: the standard members and the others.
    private struct Body: Encodable {
        let problem: Problem

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: MemberKey.self)
            try container.encode(problem.typeURI, forKey: MemberKey("type"))
            try container.encode(problem.title, forKey: MemberKey("title"))
            try container.encode(problem.status.code, forKey: MemberKey("status"))
            try container.encode(problem.detail, forKey: MemberKey("detail"))
            if !problem.errors.isEmpty {
                try container.encode(problem.errors, forKey: MemberKey("errors"))
            }
            for (name, value) in problem.members {
                try container.encode(value, forKey: MemberKey(name))
            }
        }
    }

    private struct MemberKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }

        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension Problem: CustomStringConvertible {
    public var description: String { "\(status.code) \(type): \(detail)" }
}
