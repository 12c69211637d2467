import ArgumentParser
import ConveyorExternal

/// The operator's exceptions to the rule that external calls never reach internal
/// addresses, read by the API (which checks callback URLs at intake) and the workers (which
/// check every call).
struct OutboundOptions: ParsableArguments {
    @Option(
        name: .customLong("external-allow"),
        help: "Hosts, addresses and ranges external calls may reach although they are internal, comma-separated, e.g. hooks.corp.example,10.20.0.0/16 (env CONVEYOR_EXTERNAL_ALLOW; default none)."
    )
    var allow: String?

    func policy() throws -> OutboundPolicy {
        try Setting<OutboundPolicy>(flag: "--external-allow", variable: "CONVEYOR_EXTERNAL_ALLOW").resolve(allow, default: "") {
            try OutboundPolicy(allowing: $0)
        }
    }
}
