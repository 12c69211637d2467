import ConveyorQueue
import Crypto

/// A request running with an `Idempotency-Key`. The jobs it creates take ids derived from
/// the tenant, the key and when it was first used, the request (method, path and body) and
/// each job's position in it, so that a repeat of the request within the key's retention
/// creates the same ids, which the queue takes once: the outcome does not depend on whether
/// the first request's reply got back, nor on whether its key could be kept or freed when
/// Redis failed under it. After the retention the key is new, and so are the ids.
struct IdempotentRequest: Sendable {
    let tenant: String
    let key: String
    /// When the key was first used, as its record keeps it.
    let epoch: String
    /// The request's fingerprint, complete once the body has been read.
    let fingerprint: BodyFingerprint

    /// The ids of the request's jobs, one for each queue of `queues`, in order. Call it
    /// once the body has been read.
    func jobIDs(in queues: [QueueName]) -> [JobID] {
        var request = SHA256()
        request.update(data: Array("\(tenant)\n\(key)\n\(epoch)\n\(fingerprint.hexDigest)\n".utf8))
        return queues.enumerated().map { position, queue in
            var job = request
            job.update(data: Array(String(position).utf8))
            return JobID(in: queue, derivedFrom: Array(job.finalize()))
        }
    }
}
