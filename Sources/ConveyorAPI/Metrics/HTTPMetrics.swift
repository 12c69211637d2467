import Prometheus
import Synchronization

/// This API process's own request metrics, kept by swift-prometheus: requests by route,
/// method and status, and their latency by route and method.
final class HTTPMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// The instruments of each route, method and status seen, so that a request costs one
    /// lookup rather than the registry's label matching.
    private let instruments = Mutex<[Series: (requests: Counter, duration: DurationHistogram)]>([:])

    private struct Series: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    /// Latency buckets, in seconds: from half a millisecond to ten seconds.
    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10),
    ]

    // Immutable values of a type that is not marked Sendable.
    private nonisolated(unsafe) static let requests = MetricNameDescriptor(
        namespace: "conveyor", subsystem: "http", metricName: "requests", unitName: "total",
        helpText: "HTTP requests answered, by route, method and status"
    )
    private nonisolated(unsafe) static let duration = MetricNameDescriptor(
        namespace: "conveyor", subsystem: "http", metricName: "request_duration", unitName: "seconds",
        helpText: "Time from a request's arrival at the router to its response, by route and method"
    )

    /// Counts one answered request. `route` is the route's pattern, such as `/v1/jobs/{id}`,
    /// so that the label has one value per route, not per id.
    func record(route: String, method: String, status: Int, duration: Duration) {
        let series = Series(route: route, method: method, status: status)
        let found = instruments.withLock { $0[series] }
        let (requests, histogram) = found ?? makeInstruments(series)
        requests.increment()
        histogram.record(duration)
    }

    private func makeInstruments(_ series: Series) -> (requests: Counter, duration: DurationHistogram) {
        let made = (
            requests: registry.makeCounter(
                descriptor: Self.requests, labels: [("route", series.route), ("method", series.method), ("status", String(series.status))]
            ),
            duration: registry.makeDurationHistogram(
                descriptor: Self.duration, labels: [("route", series.route), ("method", series.method)], buckets: Self.latencyBuckets
            )
        )
        instruments.withLock { $0[series] = made }
        return made
    }

    /// The metrics in the Prometheus text format.
    func emit(into buffer: inout [UInt8]) {
        registry.emit(into: &buffer)
    }
}
