/// The Redis keys of one dependency's breaker, all with the dependency as their hash tag,
/// in the order the breaker scripts take them.
struct BreakerKeys {
    /// The dependencies that have breakers, scored by when a call last went to each (in
    /// milliseconds): for listing them, and for forgetting the least recently called once
    /// there are more than the limit.
    static let known = "conveyor:breakers:called"

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
