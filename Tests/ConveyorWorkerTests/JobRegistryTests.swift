import ConveyorCore
@testable import ConveyorWorker
import Testing

/// Payloads checked together, as a bulk request's are, give each one the verdict it gets
/// when checked on its own.
@Suite struct JobRegistryTests {
    struct Pause: JobKind {
        struct Payload: Decodable, Sendable { var ms: Int }
        static let name = "pause"
        static func validate(_ payload: Payload) throws {
            if payload.ms < 0 { throw PermanentJobError("ms must not be negative, not \(payload.ms)") }
        }
        func run(_ payload: Payload, context: JobContext) async throws -> NoOutput { NoOutput() }
    }

    static let registry: JobRegistry = {
        var registry = JobRegistry()
        registry.register(Pause())
        return registry
    }()

    /// The message `validate(kind:payload:)` throws for `payload`; nil when it passes.
    static func alone(_ payload: String) -> String? {
        do {
            _ = try registry.validate(kind: Pause.name, payload: payload)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func payloadsCheckedTogetherGetTheirOwnVerdicts() throws {
        let good = [#"{"ms":1}"#, #"{"ms":20,"extra":[1,2]}"#, #"{"ms":0}"#]
        let (_, allGood) = try Self.registry.validate(kind: Pause.name, payloads: good)
        #expect(allGood.allSatisfy { $0 == nil })

        let mixed = [#"{"ms":1}"#, #"{"ms":-5}"#, #"{"ms":"soon"}"#, "[1]", #"{}"#, "null", #"{"ms":3}"#]
        let (options, verdicts) = try Self.registry.validate(kind: Pause.name, payloads: mixed)
        #expect(verdicts.map { $0?.description } == mixed.map(Self.alone))
        #expect(verdicts.map { $0 == nil } == [true, false, false, false, false, false, true])
        #expect(verdicts[1]?.description == "ms must not be negative, not -5")
        #expect(verdicts[2]?.description.contains("'ms' should be an integer") == true)
        #expect(options.queue == Pause.options.queue)

        // Refused by the kind alone, not by decoding: the others still pass.
        let (_, oneRefused) = try Self.registry.validate(kind: Pause.name, payloads: [#"{"ms":2}"#, #"{"ms":-1}"#])
        #expect(oneRefused.map { $0 == nil } == [true, false])
    }

    @Test func anUnknownKindIsNamed() {
        #expect { try Self.registry.validate(kind: "resize", payloads: ["{}"]) } throws: { error in
            "\(error)" == "unknown job kind 'resize': known kinds are pause"
        }
    }
}
