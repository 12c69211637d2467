import ArgumentParser
import Foundation

/// A setting given by flag, else by environment variable, else by default; errors name
/// both the flag and the variable, so the person fixing it knows where it came from.
struct Setting<Value> {
    let flag: String
    let variable: String

    /// The flag's value, the variable's, or the default, parsed.
    func resolve(_ flagValue: String?, default defaultValue: String, parse: (String) throws -> Value) throws -> Value {
        let text = flagValue ?? ProcessInfo.processInfo.environment[variable] ?? defaultValue
        do {
            return try parse(text)
        } catch {
            throw ValidationError("\(flag) / \(variable): \(error)")
        }
    }
}

/// A value that does not parse, with what was expected.
struct SettingError: Error, CustomStringConvertible {
    let description: String
}

/// `1`, `true`, `yes` or `on`, and `0`, `false`, `no` or `off`, in any case.
func parseSwitch(_ text: String) throws -> Bool {
    switch text.trimmingCharacters(in: .whitespaces).lowercased() {
    case "1", "true", "yes", "on": return true
    case "0", "false", "no", "off", "": return false
    default: throw SettingError(description: "'\(text)' is neither on (1, true, yes, on) nor off (0, false, no, off)")
    }
}
