/// The Redis keys of one dependency's breaker, all with the dependency as their hash tag,
/// in the order the breaker scripts take them.
struct BreakerKeys {
    /// The set of every dependency that has had a breaker, for listing them.
    static let known = "conveyor:breakers"

    let state: String
    let window: String
    let probes: String
    let transitions: String

    init(_ dependency: String) {
        let prefix = "conveyor:breaker:{\(dependency)}:"
        state = prefix + "state"
        window = prefix + "window"
        probes = prefix + "probes"
        transitions = prefix + "transitions"
    }

    var all: [String] { [state, window, probes, transitions] }
}
