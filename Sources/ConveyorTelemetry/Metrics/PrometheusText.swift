/// Metric families in the Prometheus text format (0.0.4), for the figures read at scrape
/// time from Redis and from the process: totals kept elsewhere, written as they stand.
public struct PrometheusText: Sendable {
    public init() {}

    public private(set) var text = ""

    public enum Kind: String {
        case counter, gauge, histogram
    }

    /// Starts a family: its `# HELP` and `# TYPE` lines.
    public mutating func family(_ name: String, _ kind: Kind, help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One sample without labels.
    public mutating func sample(_ name: String, _ value: Double) {
        sample(name, [], value)
    }

    /// One sample of the current family.
    public mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.format(value) + "\n"
    }

    /// The samples of one histogram: cumulative buckets, `+Inf`, sum and count.
    public mutating func histogram(
        _ name: String, _ labels: [(String, String)], buckets: [(upperBound: Double, count: Int)], sum: Double, count: Int
    ) {
        for bucket in buckets {
            sample(name + "_bucket", labels + [("le", Self.format(bucket.upperBound))], Double(bucket.count))
        }
        sample(name + "_bucket", labels + [("le", "+Inf")], Double(count))
        sample(name + "_sum", labels, sum)
        sample(name + "_count", labels, Double(count))
    }

    /// Label values escape backslash, double quote and line feed.
    public static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Whole numbers without a fraction, others in their shortest form.
    public static func format(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
