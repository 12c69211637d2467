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

/// A comma-separated list of `name:value` entries, such as `imports:50000,default:2000000`,
/// by name; `form` tells what an entry should be, e.g. "queue:limit, e.g. imports:50000".
func parseEntries<Name: Hashable, Value>(
    _ text: String, form: String, name: (String) throws -> Name, value: (String) throws -> Value
) throws -> [Name: Value] {
    var entries: [Name: Value] = [:]
    for entry in text.split(separator: ",") {
        guard let colon = entry.lastIndex(of: ":"), colon != entry.startIndex else {
            throw SettingError(description: "'\(entry)' should be \(form)")
        }
        entries[try name(String(entry[..<colon]))] = try value(String(entry[entry.index(after: colon)...]))
    }
    return entries
}
