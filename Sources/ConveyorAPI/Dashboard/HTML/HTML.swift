/// Markup for the dashboard's pages. Text interpolated into it is escaped and markup is
/// inserted as it is, so escaping happens here and nowhere else: a job's payload, a tenant's
/// name or an error message can never become markup.
///
/// ```swift
/// let row: HTML = "<td>\(job.kind)</td>"        // the kind is escaped
/// let page: HTML = "<table>\(rows)</table>"      // rows, already markup, are not
/// ```
struct HTML: Sendable, ExpressibleByStringInterpolation {
    /// The markup, ready to send.
    let markup: String

    init(stringLiteral value: String) {
        markup = value
    }

    init(stringInterpolation: Interpolation) {
        markup = stringInterpolation.markup
    }

    /// Nothing: for a part of a page that is left out.
    static let empty: HTML = ""

    /// `parts` one after the other.
    init(joining parts: some Sequence<HTML>) {
        markup = parts.reduce(into: "") { $0 += $1.markup }
    }

    /// `text` with the five characters that are markup in HTML text and attribute values
    /// replaced by their references.
    static func escape(_ text: some StringProtocol) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    struct Interpolation: StringInterpolationProtocol {
        fileprivate(set) var markup = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            markup.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) {
            markup += literal
        }

        mutating func appendInterpolation(_ html: HTML) {
            markup += html.markup
        }

        mutating func appendInterpolation(_ parts: [HTML]) {
            for part in parts { markup += part.markup }
        }

        mutating func appendInterpolation(_ text: some StringProtocol) {
            markup += HTML.escape(text)
        }

        mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            markup += HTML.escape(value.description)
        }
    }
}
