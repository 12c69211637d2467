import Prometheus

/// What a process's `/metrics` answers: the figures it samples at scrape time (a pool's
/// connections, busy slots), everything its swift-metrics instruments recorded, and the
/// standard `process_*` families.
public struct MetricsExposition: Sendable {
    private let sample: @Sendable () async -> Void

    /// `sample` records the figures that are read rather than counted, just before each scrape.
    public init(sample: @escaping @Sendable () async -> Void = {}) {
        self.sample = sample
    }

    public func text() async -> [UInt8] {
        await sample()
        var buffer: [UInt8] = []
        ConveyorMetricsFactory.registry.emit(into: &buffer)
        var process = PrometheusText()
        ProcessFigures.read().write(into: &process)
        buffer.append(contentsOf: process.text.utf8)
        return buffer
    }
}
