public import Tracing

/// A job's place in a trace: the W3C `traceparent` of the span that enqueued it, which the
/// job carries in its spec so that its attempts' spans are that span's children, in
/// another process and later. Empty when nothing traced the enqueue (tracing is off, or
/// the enqueue ran outside any span), and then nothing is stored.
public enum JobTraceContext {
    /// Whether the process traces: a tracer other than swift-distributed-tracing's no-op one
    /// was bootstrapped. Spans are made only then, so a process that does not trace pays
    /// nothing for them.
    public static var isTracing: Bool {
        !(InstrumentationSystem.tracer is NoOpTracer)
    }

    /// The `traceparent` of the current task's span, or empty.
    public static func current() -> String {
        guard let context = ServiceContext.current else { return "" }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: HeaderInjector())
        return carrier["traceparent"] ?? ""
    }

    /// The service context a job's attempt continues: the current one, with the trace of
    /// `traceContext` when the job carries one.
    public static func context(continuing traceContext: String) -> ServiceContext {
        var context = ServiceContext.current ?? .topLevel
        guard !traceContext.isEmpty else { return context }
        InstrumentationSystem.instrument.extract(["traceparent": traceContext], into: &context, using: HeaderExtractor())
        return context
    }

    /// Writes the fields of a trace context into a dictionary of header names and values, as
    /// an outbound HTTP call sends them.
    public struct HeaderInjector: Injector {
        public init() {}

        public func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key] = value
        }
    }

    struct HeaderExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? {
            carrier[key]
        }
    }
}
