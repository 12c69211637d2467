import ConveyorCore
import ConveyorExternal
import ConveyorImports
import ConveyorPostgres
import ConveyorQueue
public import ConveyorWorker
import Foundation

/// POSTs a finished import's final record (the JSON of `GET /v1/imports/{id}`) to the URL
/// the import named, through the circuit breaker of its host. A 2xx answer delivers it;
/// another answer or a failed call is retried with backoff; an open breaker defers the
/// job without spending an attempt.
///
/// Every delivery of one import carries the same `Conveyor-Delivery-Id` (the import's
/// id), so a receiver can drop repeats, `Conveyor-Attempt`, the attempt's number, and
/// `Conveyor-Signature`, which proves it came from this deployment (``WebhookSignature``).
/// A failed delivery's error says the status or the kind of failure, never what the
/// receiver answered: the URL is the producer's to choose, the answer is not its to read.
public struct ImportCallbackJob: JobKind {
    public struct Payload: Codable, Sendable {
        public var importID: String

        enum CodingKeys: String, CodingKey {
            case importID = "import_id"
        }
    }

    /// What a delivery stores as its result.
    public struct Delivery: Encodable, Sendable {
        let url: String
        let status: Int
    }

    public static let name = "import_callback"
    public static let options = JobKindOptions(
        maxAttempts: 25, timeout: .seconds(60), backoff: RetryBackoff(base: .seconds(2), maximum: .seconds(1800)),
        visibility: .internal
    )

    public static let deliveryIDHeader = "Conveyor-Delivery-Id"
    public static let attemptHeader = "Conveyor-Attempt"

    public init() {}

    public static func validate(_ payload: Payload) throws {
        guard !payload.importID.isEmpty else { throw PermanentJobError("'import_id' must name an import") }
    }

    /// The callback job of `finished`, in `queue`: its id is derived from the import's, so
    /// that however often the import is finished, one job delivers it.
    /// - Returns: nil when the import has no callback.
    static func request(for finished: FinishedImport, in queue: QueueName, requestID: String, tenant: String) throws -> JobRequest? {
        guard finished.callbackURL != nil else { return nil }
        let payload = String(decoding: try JSONEncoder().encode(Payload(importID: finished.id)), as: UTF8.self)
        return JobRequest(
            id: try JobID("\(queue.rawValue).\(finished.id)"), kind: name, payload: payload, queue: queue,
            maxAttempts: options.maxAttempts, timeout: options.timeout, requestID: requestID, tenant: tenant
        )
    }

    public func run(_ payload: Payload, context: JobContext) async throws -> Delivery {
        let record = try await context.withDatabase { connection in
            try await ImportProgress.fetch(id: payload.importID, on: connection)
        }
        guard let record, record.tenant == context.tenant else {
            throw PermanentJobError("import \(payload.importID) does not exist (any more) for tenant '\(context.tenant)', whose job this is")
        }
        guard let url = record.callbackURL else { throw PermanentJobError("import \(payload.importID) has no callback_url") }
        let response = try await context.external.postSigned(
            url, body: Array(try JSONEncoder().encode(record)),
            headers: [
                ("Content-Type", "application/json"), (Self.deliveryIDHeader, record.id), (Self.attemptHeader, "\(context.attempt)"),
            ]
        )
        return Delivery(url: url, status: response.status)
    }
}
