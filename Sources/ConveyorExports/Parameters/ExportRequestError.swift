/// An export request that cannot run: an unknown export or format, or parameters that its
/// declarations refuse. Each issue names the field and what to fix.
public struct ExportRequestError: Error, Sendable, CustomStringConvertible {
    public struct Issue: Sendable, Equatable {
        /// `export`, `format`, or `params.NAME` for a parameter.
        public let field: String
        public let message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }

        static func parameter(_ name: String, _ message: String) -> Issue {
            Issue(field: "params.\(name)", message: message)
        }
    }

    public let issues: [Issue]

    public init(issues: [Issue]) {
        self.issues = issues
    }

    public var description: String {
        issues.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
    }
}
