/// Samples sorted once, for reading percentiles.
struct Distribution {
    private let sorted: [Double]

    /// - Precondition: `samples` is not empty.
    init(_ samples: [Double]) {
        precondition(!samples.isEmpty, "a distribution needs at least one sample")
        sorted = samples.sorted()
    }

    /// The nearest-rank percentile: the smallest sample that `percent` % of the samples
    /// do not exceed.
    func percentile(_ percent: Double) -> Double {
        let rank = Int((percent / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    var maximum: Double { sorted[sorted.count - 1] }
}
