/// The figures of one measurement as `key=value` pairs separated by spaces, the one line
/// a subcommand prints on standard output.
struct ResultLine: CustomStringConvertible {
    private var pairs: [String] = []

    mutating func add(_ key: String, _ value: Int) {
        pairs.append("\(key)=\(value)")
    }

    /// Adds a number with three decimals, enough for rates and for milliseconds.
    mutating func add(_ key: String, _ value: Double) {
        pairs.append("\(key)=\((value * 1000).rounded() / 1000)")
    }

    /// Adds the 50th, 90th and 99th percentiles and the maximum of `samples`, in
    /// milliseconds, as `prefix_p50_ms` and so on.
    mutating func add(_ prefix: String, _ samples: Distribution) {
        add("\(prefix)_p50_ms", samples.percentile(50))
        add("\(prefix)_p90_ms", samples.percentile(90))
        add("\(prefix)_p99_ms", samples.percentile(99))
        add("\(prefix)_max_ms", samples.maximum)
    }

    var description: String { pairs.joined(separator: " ") }
}
