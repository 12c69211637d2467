import ConveyorCore
import ConveyorQueue
import Synchronization

/// Gathers the jobs of concurrent `POST /v1/jobs` requests into one enqueue per queue: while
/// a queue's enqueue is in flight, the jobs that arrive for it wait, and go together in the
/// next one. An idle queue's job goes at once, so this adds no wait; under load, one Redis
/// round trip carries many requests' jobs.
///
/// The enqueue script takes a call's jobs all or none, so when the queue is too full for a
/// gathered call, or a tenant past its quota, each request's jobs are tried alone, and only
/// those that do not fit are refused.
final class EnqueueCoalescer: Sendable {
    private let queue: JobQueue
    private let quotas: TenantQuotas
    private let lanes = Mutex<[QueueName: Lane]>([:])

    /// One queue's requests: those waiting for the next call, and whether a call is in flight.
    private struct Lane {
        var isSending = false
        var waiting: [Entry] = []
    }

    private struct Entry {
        let jobs: [JobRequest]
        let continuation: CheckedContinuation<JobQueue.EnqueueResult, any Error>
    }

    init(queue: JobQueue, quotas: TenantQuotas) {
        self.queue = queue
        self.quotas = quotas
    }

    /// Enqueues `jobs`, all of `name`'s queue; returns when they are in Redis, with the
    /// queue's time of the enqueue and the unique jobs that met a holder (of the whole call
    /// they went in, which may hold other requests' jobs too).
    ///
    /// - Throws: what ``JobQueue/enqueue(_:)`` throws for these jobs.
    func enqueue(_ jobs: [JobRequest], in name: QueueName) async throws -> JobQueue.EnqueueResult {
        try await withCheckedThrowingContinuation { continuation in
            let startsSending = lanes.withLock { lanes in
                lanes[name, default: Lane()].waiting.append(Entry(jobs: jobs, continuation: continuation))
                guard !lanes[name]!.isSending else { return false }
                lanes[name]!.isSending = true
                return true
            }
            if startsSending {
                Task { await self.send(name) }
            }
        }
    }

    /// Sends the waiting jobs of `name`'s queue, call after call, until none wait.
    private func send(_ name: QueueName) async {
        while true {
            let entries = lanes.withLock { lanes -> [Entry] in
                let waiting = lanes[name]?.waiting ?? []
                if waiting.isEmpty {
                    lanes[name] = nil
                } else {
                    lanes[name]!.waiting = []
                }
                return waiting
            }
            guard !entries.isEmpty else { return }
            do {
                let result = try await queue.enqueue(entries.flatMap(\.jobs), quotas: quotas)
                for entry in entries { entry.continuation.resume(returning: result) }
            } catch let error as QueueError where entries.count > 1 && error.refusesOnlyThisBatch {
                for entry in entries {
                    do {
                        entry.continuation.resume(returning: try await queue.enqueue(entry.jobs, quotas: quotas))
                    } catch {
                        entry.continuation.resume(throwing: error)
                    }
                }
            } catch {
                for entry in entries { entry.continuation.resume(throwing: error) }
            }
        }
    }
}

extension QueueError {
    /// A refusal of the batch as a whole (too many jobs for the queue, or for a tenant's
    /// quota), which a smaller batch might not meet.
    fileprivate var refusesOnlyThisBatch: Bool {
        switch self {
        case .queueFull, .tenantQuota: true
        default: false
        }
    }
}
