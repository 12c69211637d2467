public import ConveyorCore
import ConveyorQueue
import Foundation

/// The checked values of an export's parameters, as the text of their literals; made by
/// ``ExportDefinition/arguments(_:)``.
public struct ExportArguments: Sendable, Equatable {
    /// Each given parameter's value as text; absent optional parameters are missing.
    public let texts: [String: String]

    /// The values as a JSON object, as the export record keeps them.
    public var json: JSONValue {
        .object(texts.mapValues(JSONValue.string))
    }

    /// `'text'::type`, with quotes doubled (the server has standard_conforming_strings on,
    /// so a backslash is an ordinary character). The text holds no NUL: the types' checks
    /// refuse it.
    static func literal(_ text: String, type: ParameterType) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'::" + type.sqlType
    }
}
