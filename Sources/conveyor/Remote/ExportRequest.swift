/// The body of `POST /v1/exports`: the export, its format, and its parameters, each a
/// boolean or a text that the API reads as the parameter's declared type.
struct ExportRequest: Encodable {
    /// A parameter's value as the command line gives it.
    enum Value: Encodable {
        case text(String)
        case flag(Bool)

        /// `true` and `false` are booleans; anything else is text.
        init(_ text: String) {
            switch text {
            case "true": self = .flag(true)
            case "false": self = .flag(false)
            default: self = .text(text)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .flag(let flag): try container.encode(flag)
            }
        }
    }

    var export: String
    var format: String
    var params: [String: Value]
}
