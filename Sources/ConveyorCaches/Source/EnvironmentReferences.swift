import Foundation
/// `${VARIABLE}` and `${VARIABLE:-default}` references in a header line, resolved against
/// the process environment so that deployments configure a value without editing its file.
/// As in the shell, the default is used when the variable is unset or empty.
enum EnvironmentReferences {
    /// A reference that is malformed, or names an unset variable without a default.
    struct Problem: Error {
        let message: String
    }

    /// `text` with every reference replaced, and the variables it read.
    static func resolve(_ text: String, in environment: [String: String]) throws(Problem) -> (text: String, variables: [String]) {
        var output = ""
        var variables: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            let inside = rest[start.upperBound...]
            guard let end = inside.firstIndex(of: "}") else {
                throw Problem(message: "'${' without its '}': write ${VARIABLE} or ${VARIABLE:-default}")
            }
            let reference = inside[..<end]
            let name: Substring
            let fallback: Substring?
            if let separator = reference.range(of: ":-") {
                name = reference[..<separator.lowerBound]
                fallback = reference[separator.upperBound...]
            } else {
                name = reference
                fallback = nil
            }
            guard isVariableName(name) else {
                throw Problem(message: "'${\(reference)}' does not name a variable: use letters, digits and '_', not starting with a digit, then optionally ':-default'")
            }
            variables.append(String(name))
            if let value = environment[String(name)], !value.isEmpty {
                output += value
            } else if let fallback {
                output += fallback
            } else {
                throw Problem(message: "\(name) is not set and '${\(name)}' has no default: set it, or write ${\(name):-default}")
            }
            rest = inside[inside.index(after: end)...]
        }
        output += rest
        return (output, variables)
    }

    private static func isVariableName(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first == "_" || first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }
}
