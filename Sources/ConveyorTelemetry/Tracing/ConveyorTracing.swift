public import Logging
import OTel
public import ServiceLifecycle
import Tracing

/// OpenTelemetry tracing, off unless the standard variables ask for it: `OTEL_TRACES_EXPORTER=otlp`,
/// or an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and
/// not `OTEL_SDK_DISABLED=true`. Every other `OTEL_*` variable (protocol, headers, sampler,
/// batch delays, service name, resource attributes) is read by swift-otel. Only traces are
/// exported: logs stay the JSON lines on standard output, metrics the Prometheus text.
public enum ConveyorTracing {
    /// Whether `environment` asks for traces.
    public static func isRequested(by environment: [String: String]) -> Bool {
        if environment["OTEL_SDK_DISABLED"]?.lowercased() == "true" { return false }
        if let exporter = environment["OTEL_TRACES_EXPORTER"] { return exporter.lowercased() == "otlp" }
        return environment["OTEL_EXPORTER_OTLP_ENDPOINT"] != nil || environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] != nil
    }

    /// Makes an OTLP tracer the process's tracer when `environment` asks for one, and returns
    /// the service that exports its spans, to run beside the process's others; nil when
    /// tracing is off, and every span is then a no-op.
    public static func bootstrap(serviceName: String, environment: [String: String], logger: Logger) throws -> (any Service)? {
        guard isRequested(by: environment) else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.diagnosticLogger = .custom(logger)
        let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(tracer)
        logger.info("tracing to OTLP", metadata: ["service": "\(serviceName)"])
        return service
    }
}
