public import Metrics
public import Prometheus
import Synchronization

/// The swift-metrics backend of every Conveyor process: swift-prometheus's registry, with the
/// help text of ``MetricDescriptions`` on each family, so that the exposition passes
/// `promtool check metrics`, and duration buckets from half a millisecond to a minute, as job
/// phases span both.
public struct ConveyorMetricsFactory: MetricsFactory {
    /// The registry the process's swift-metrics instruments report to, empty until
    /// ``bootstrap()`` has made this factory the process's backend.
    public static let registry = PrometheusCollectorRegistry()

    public static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    private static let bootstrapped = Mutex(false)

    /// Makes this factory the process's swift-metrics backend; later calls do nothing, so that
    /// every command and test may call it.
    public static func bootstrap() {
        bootstrapped.withLock { done in
            guard !done else { return }
            MetricsSystem.bootstrap(ConveyorMetricsFactory())
            done = true
        }
    }

    private static func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: MetricDescriptions.help(for: label))
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Self.registry.makeCounter(descriptor: Self.descriptor(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        Self.registry.makeCounter(descriptor: Self.descriptor(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return Self.registry.makeGauge(descriptor: Self.descriptor(label), labels: dimensions) }
        return Self.registry.makeValueHistogram(
            descriptor: Self.descriptor(label), labels: dimensions, buckets: [1, 10, 100, 1000, 10_000, 100_000]
        )
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        Self.registry.makeGauge(descriptor: Self.descriptor(label), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        Self.registry.makeDurationHistogram(descriptor: Self.descriptor(label), labels: dimensions, buckets: Self.durationBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { Self.registry.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { Self.registry.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { Self.registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { Self.registry.unregisterValueHistogram(histogram) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { Self.registry.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { Self.registry.unregisterDurationHistogram(histogram) }
    }
}
