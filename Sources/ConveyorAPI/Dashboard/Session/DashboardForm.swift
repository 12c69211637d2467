import Foundation
import Hummingbird
import NIOCore

/// The fields of a form the browser POSTed, as `application/x-www-form-urlencoded`.
struct DashboardForm: Sendable {
    /// The fields in the order sent; a name may come more than once (a list of checkboxes).
    let fields: [(name: String, value: String)]

    /// The first value of `name`.
    subscript(_ name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// Every value of `name`.
    func all(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// Reads and parses the request's body, of at most `limit` bytes.
    static func read(_ request: Request, upTo limit: Int) async throws -> DashboardForm {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw DashboardError.badRequest("the form is larger than \(limit / 1024) KiB")
        }
        return DashboardForm(encoded: String(buffer: body))
    }

    init(encoded: String) {
        fields = encoded.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { return nil }
            return (name, parts.count > 1 ? Self.decode(parts[1]) ?? "" : "")
        }
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
