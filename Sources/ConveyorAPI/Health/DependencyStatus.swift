import ConveyorCore
import ConveyorQueue

/// How one dependency answered a readiness check: `{"status": "up", "ms": 0.4}`, or
/// `{"status": "down", "ms": 1000.2, "error": "…"}`.
struct DependencyStatus: Encodable, Sendable {
    /// Why it is down; nil when it is up.
    var error: String?
    /// How long the check took.
    var milliseconds: Double

    var isUp: Bool { error == nil }

    /// The status as a JSON value, for a problem's members.
    var json: JSONValue {
        var members: [String: JSONValue] = ["status": .string(isUp ? "up" : "down"), "ms": .number(milliseconds)]
        if let error { members["error"] = .string(error) }
        return .object(members)
    }

    func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
