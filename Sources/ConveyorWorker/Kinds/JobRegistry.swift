public import ConveyorCore
import ConveyorQueue
import Foundation

/// The job kinds a process knows, by name. The worker runs jobs through it; the API
/// checks requests against it, so a payload that would not decode never reaches a queue.
public struct JobRegistry: Sendable {
    private var kinds: [String: RegisteredKind] = [:]

    public init() {}

    /// Adds a kind. Registering two kinds under one name is a programming error.
    public mutating func register<Kind: JobKind>(_ kind: Kind) {
        precondition(kinds[Kind.name] == nil, "job kind '\(Kind.name)' is registered twice")
        kinds[Kind.name] = RegisteredKind(kind)
    }

    /// The names of the registered kinds, sorted.
    public var names: [String] { kinds.keys.sorted() }

    /// The names of the kinds of these visibilities, sorted.
    public func names(of visibilities: Set<JobKindVisibility>) -> [String] {
        kinds.values.filter { visibilities.contains($0.options.visibility) }.map(\.name).sorted()
    }

    /// The retention of each kind that keeps its finished jobs for a time of its own, for
    /// ``QueuePolicy/retentionByKind``.
    public var retentionByKind: [String: Duration] {
        kinds.compactMapValues(\.options.retention)
    }

    /// The kind registered under `name`.
    public func kind(named name: String) -> RegisteredKind? { kinds[name] }

    /// Checks that `payload` decodes for kind `name` and passes its validation.
    /// - Returns: the kind's defaults.
    /// - Throws: ``PermanentJobError`` naming what is wrong.
    public func validate(kind name: String, payload: String) throws -> JobKindOptions {
        guard let kind = kinds[name] else {
            throw PermanentJobError("unknown job kind '\(name)': known kinds are \(names.joined(separator: ", "))")
        }
        try kind.validate(payload)
        return kind.options
    }

    /// Checks many payloads for kind `name` at once, as a bulk request brings them: one
    /// decoding of them all as the elements of one array, which costs a fraction of decoding
    /// each on its own. Each must be one whole JSON value, as the API's reader gives them.
    /// - Returns: for each payload in order, nil when it passes, or the error naming what is
    ///   wrong with it.
    /// - Throws: ``PermanentJobError`` when no kind has the name.
    public func validate(kind name: String, payloads: [String]) throws(PermanentJobError) -> (options: JobKindOptions, errors: [PermanentJobError?]) {
        guard let kind = kinds[name] else {
            throw PermanentJobError("unknown job kind '\(name)': known kinds are \(names.joined(separator: ", "))")
        }
        return (kind.options, kind.validateAll(payloads))
    }
}

/// A job kind with its types erased, as the registry holds it.
public struct RegisteredKind: Sendable {
    public let name: String
    public let options: JobKindOptions
    /// Whether its attempts pass a concurrency or rate limit before they run; most kinds'
    /// do not, and run without the admission around them.
    let hasLimits: Bool
    /// Decodes and validates a payload.
    public let validate: @Sendable (String) throws -> Void
    /// Decodes and validates payloads, each a whole JSON value; answers each one's error.
    let validateAll: @Sendable ([String]) -> [PermanentJobError?]
    /// Decodes a payload, runs the kind, and encodes its output (empty for none).
    public let run: @Sendable (String, JobContext) async throws -> String

    init<Kind: JobKind>(_ kind: Kind) {
        self.name = Kind.name
        self.options = Kind.options
        self.hasLimits = Kind.options.concurrency != nil || Kind.options.rateLimit != nil
        // One decoder and encoder per kind, shared by its attempts (they are thread-safe),
        // rather than two allocations per job.
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        let shape = Kind.options.payloadShape
        let validate: @Sendable (String) throws -> Void = { payload in
            if shape == .object, let problem = Self.notAnObject(payload) {
                throw PermanentJobError("the payload of job kind '\(Kind.name)' must be a JSON object such as {}, not \(problem)")
            }
            try Kind.validate(try Self.decode(Kind.self, payload, with: decoder))
        }
        self.validate = validate
        self.validateAll = { payloads in
            var errors = [PermanentJobError?](repeating: nil, count: payloads.count)
            var array: [UInt8] = [UInt8(ascii: "[")]
            array.reserveCapacity(payloads.reduce(2) { $0 + $1.utf8.count + 1 })
            var inArray: [Int] = []
            inArray.reserveCapacity(payloads.count)
            for (index, payload) in payloads.enumerated() {
                if shape == .object, Self.notAnObject(payload) != nil {
                    errors[index] = Self.error(of: validate, payload)
                    continue
                }
                if !inArray.isEmpty { array.append(UInt8(ascii: ",")) }
                array.append(contentsOf: payload.utf8)
                inArray.append(index)
            }
            array.append(UInt8(ascii: "]"))
            // Should any payload not decode, or not be one value, each is decoded on its own
            // for its own message.
            if let decoded = try? decoder.decode([Kind.Payload].self, from: Data(array)), decoded.count == inArray.count {
                for (index, payload) in zip(inArray, decoded) {
                    do { try Kind.validate(payload) } catch { errors[index] = Self.permanent(error) }
                }
            } else {
                for index in inArray { errors[index] = Self.error(of: validate, payloads[index]) }
            }
            return errors
        }
        self.run = { payload, context in
            let output = try await kind.run(try Self.decode(Kind.self, payload, with: decoder), context: context)
            if output is NoOutput { return "" }
            return String(decoding: try encoder.encode(output), as: UTF8.self)
        }
    }

    /// What `payload` is when it is not a JSON object ("a string", "null", …); nil for an
    /// object. Its first byte past white space tells, whatever follows it.
    private static func notAnObject(_ payload: String) -> String? {
        let first = payload.utf8.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        switch first {
        case UInt8(ascii: "{"): return nil
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "n"): return "null"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "true or false"
        case nil: return "nothing"
        default: return "a number"
        }
    }

    /// The error `validate` throws for `payload`, as a ``PermanentJobError``; nil for none.
    private static func error(of validate: (String) throws -> Void, _ payload: String) -> PermanentJobError? {
        do {
            try validate(payload)
            return nil
        } catch {
            return permanent(error)
        }
    }

    /// `error` as a ``PermanentJobError``, its message kept: a payload that fails its checks
    /// fails on every attempt.
    private static func permanent(_ error: any Error) -> PermanentJobError {
        error as? PermanentJobError ?? PermanentJobError("\(error)")
    }

    private static func decode<Kind: JobKind>(_: Kind.Type, _ payload: String, with decoder: JSONDecoder) throws -> Kind.Payload {
        do {
            return try decoder.decode(Kind.Payload.self, from: Data(payload.utf8))
        } catch let error as DecodingError {
            throw PermanentJobError("payload does not decode for job kind '\(Kind.name)': \(DecodingErrorDescription(error))")
        } catch {
            throw PermanentJobError("payload does not decode for job kind '\(Kind.name)': \(error)")
        }
    }
}

/// A decoding error told the way a person fixing the payload needs it: the field's path
/// and what was wrong there.
struct DecodingErrorDescription: CustomStringConvertible {
    let error: DecodingError

    init(_ error: DecodingError) {
        self.error = error
    }

    var description: String {
        func path(_ context: DecodingError.Context) -> String {
            let components = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return components.isEmpty ? "the payload" : "'\(components.joined(separator: "."))'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing field '\(key.stringValue)'" + (context.codingPath.isEmpty ? "" : " in \(parent)")
        case .typeMismatch(let type, let context):
            return "\(path(context)) should be \(Self.name(of: type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)) is null but should be \(Self.name(of: type))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        default: "\(type)"
        }
    }
}
