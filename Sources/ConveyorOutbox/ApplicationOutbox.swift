import ConveyorCore
public import ConveyorPostgres
public import ConveyorQueue
public import Foundation
import Metrics

/// The jobs applications enqueue with SQL: rows they insert into `conveyor_outbox` in their
/// own transactions (see `Migrations/0015_outbox.sql`), which ``relay(limit:)`` moves to the
/// queue once committed. A rolled-back row was never visible, so it never becomes a job.
///
/// Any number of relays run at once: each takes a batch of rows under row locks that the
/// others skip, enqueues their jobs in one call and deletes the rows in the same
/// transaction. A relay that dies after the enqueue and before its commit leaves the rows
/// pending, and the next relay sends them again with the same job ids (derived from the
/// rows' ids, ``jobID(ofRow:in:)``), which the queue skips: each committed row becomes one
/// job. A row that can never become a job as written is marked failed with the reason and
/// left in the table for the operator (``OutboxRows``); the rest of its batch goes on.
public struct ApplicationOutbox: Sendable {
    private let pool: PostgresPool
    private let queue: JobQueue
    private let kinds: any OutboxKinds

    /// How long rows that the queue refused (full, or a tenant past its quota) wait before
    /// they are sent again, so that they do not hold up the rows behind them meanwhile.
    static let refusalDelay: Duration = .seconds(1)

    public init(pool: PostgresPool, queue: JobQueue, kinds: any OutboxKinds) {
        self.pool = pool
        self.queue = queue
        self.kinds = kinds
    }

    /// The id of the job that the row with id `row` makes in `queue`: the row's 128 bits
    /// as a ULID, so the same row always makes the same job. (A unique job of a sharded queue
    /// turns two of the bits, ``JobQueue/uniqueJobID(for:in:derivedFrom:)``.)
    public static func jobID(ofRow row: UUID, in queue: QueueName) -> JobID {
        JobID(in: queue, derivedFrom: bits(ofRow: row))
    }

    /// The row id's 128 bits, from which its job's id is derived.
    private static func bits(ofRow row: UUID) -> [UInt8] {
        withUnsafeBytes(of: row.uuid) { Array($0) }
    }

    /// What one relay pass did with the rows it took.
    public struct Pass: Sendable, Equatable {
        /// Rows taken.
        public var taken = 0
        /// Rows whose jobs are in the queue, and which were deleted.
        public var sent = 0
        /// Rows marked failed.
        public var failed = 0
        /// Rows the queue refused for now, put off for a second.
        public var refused = 0

        public init() {}
    }

    /// Whether any committed row waits for a relay: one lookup in the pending rows' index,
    /// the cheap question a relay asks between passes.
    public func hasPending() async throws -> Bool {
        try await pool.withConnection { connection in
            try await connection.query(
                "SELECT EXISTS (SELECT FROM conveyor_outbox WHERE failed_at IS NULL AND \(Self.due)) AS pending"
            ).rows[0].decode("pending")
        }
    }

    /// Moves up to `limit` pending rows, oldest first, to the queue: their jobs in one
    /// enqueue call, then the rows deleted, in one transaction.
    public func relay(limit: Int = 500) async throws -> Pass {
        let pass = try await pool.withConnection { connection in
            try await connection.transaction { connection in
                let rows = try await connection.query(
                    """
                    SELECT id, kind, payload::text AS payload, queue, tenant, request_id, correlation_id, max_attempts, timeout_ms,
                        priority, (extract(epoch FROM run_at) * 1000000)::bigint AS run_at_us,
                        (extract(epoch FROM deadline) * 1000000)::bigint AS deadline_us,
                        unique_scope, array_to_json(unique_fields)::text AS unique_fields, unique_period_ms
                    FROM conveyor_outbox
                    WHERE failed_at IS NULL AND \(Self.due)
                    ORDER BY created_at
                    LIMIT $1
                    FOR UPDATE SKIP LOCKED
                    """,
                    [limit]
                ).rows
                var pass = Pass()
                pass.taken = rows.count
                var jobs: [(row: UUID, job: JobRequest)] = []
                for (id, outcome) in try requests(of: rows) {
                    switch outcome {
                    case .success(let job):
                        jobs.append((id, job))
                    case .failure(let reason):
                        try await connection.execute(
                            "UPDATE conveyor_outbox SET failed_at = now(), error = $2 WHERE id = $1", [id, "\(reason)"]
                        )
                        pass.failed += 1
                    }
                }
                let refusals = try await enqueue(jobs.map(\.job))
                let refused = jobs.filter { refusals[$0.job.queue] != nil }
                let sent = jobs.filter { refusals[$0.job.queue] == nil }
                if !sent.isEmpty {
                    try await connection.execute("DELETE FROM conveyor_outbox WHERE id = ANY($1::uuid[])", [Self.array(sent.map(\.row))])
                }
                for (queue, refusal) in refusals {
                    try await connection.execute(
                        "UPDATE conveyor_outbox SET relay_after = now() + make_interval(secs => $2), error = $3 WHERE id = ANY($1::uuid[])",
                        [Self.array(refused.filter { $0.job.queue == queue }.map(\.row)), Double(Self.refusalDelay.components.seconds), "\(refusal)"]
                    )
                }
                pass.sent = sent.count
                pass.refused = refused.count
                return pass
            }
        }
        for (outcome, count) in [("sent", pass.sent), ("failed", pass.failed), ("refused", pass.refused)] where count > 0 {
            Counter(label: "conveyor_outbox_rows_total", dimensions: [("outcome", outcome)]).increment(by: count)
        }
        return pass
    }

    /// Rows not put off, or whose time has come.
    private static let due = "(relay_after IS NULL OR relay_after <= now())"

    /// What a row can never become a job for, with its reason.
    struct RowFault: Error, CustomStringConvertible {
        let description: String
    }

    /// The job each row makes, with its kind's defaults where it has NULL, or why it can
    /// make none: an unknown kind, a payload the kind refuses, an invalid queue name, a
    /// field the queue cannot hold. Each kind checks its rows' payloads at once.
    private func requests(of rows: [PostgresRow]) throws -> [(id: UUID, job: Result<JobRequest, RowFault>)] {
        var rowsByKind: [String: [Int]] = [:]
        for (index, row) in rows.enumerated() { rowsByKind[try row.decode("kind"), default: []].append(index) }
        var outcomes = [(id: UUID, job: Result<JobRequest, RowFault>)?](repeating: nil, count: rows.count)
        for (kind, indices) in rowsByKind {
            let payloads: [String] = try indices.map { try rows[$0].decode("payload") }
            let checked: (defaults: JobDefaults, refusals: [(any Error)?])
            do {
                checked = try kinds.check(kind: kind, payloads: payloads)
            } catch {
                for index in indices { outcomes[index] = (try rows[index].decode("id"), .failure(RowFault(description: "\(error)"))) }
                continue
            }
            for (position, index) in indices.enumerated() {
                let id: UUID = try rows[index].decode("id")
                if let refusal = checked.refusals[position] {
                    outcomes[index] = (id, .failure(RowFault(description: "\(refusal)")))
                    continue
                }
                do {
                    outcomes[index] = (id, .success(try request(of: rows[index], id: id, kind: kind, payload: payloads[position], defaults: checked.defaults)))
                } catch {
                    outcomes[index] = (id, .failure(RowFault(description: "\(error)")))
                }
            }
        }
        return outcomes.compactMap { $0 }
    }

    /// The job of a row whose kind took its payload. A unique job's id lives in the shard of
    /// its lock, and is derived from the row all the same.
    private func request(of row: PostgresRow, id: UUID, kind: String, payload: String, defaults: JobDefaults) throws -> JobRequest {
        let queueName = try row.decode("queue", as: String?.self).map { try QueueName($0) } ?? defaults.queue
        let tenant: String = try row.decode("tenant")
        let uniqueness = try OutboxUniqueColumns(row).lock(declared: defaults.unique)?.uniqueness(kind: kind, tenant: tenant, payload: payload)
        var request = JobRequest(
            id: uniqueness.map { queue.uniqueJobID(for: $0, in: queueName, derivedFrom: Self.bits(ofRow: id)) } ?? Self.jobID(ofRow: id, in: queueName),
            kind: kind, payload: payload, queue: queueName,
            maxAttempts: try row.decode("max_attempts", as: Int?.self) ?? defaults.maxAttempts,
            timeout: try row.decode("timeout_ms", as: Int64?.self).map { .milliseconds($0) } ?? defaults.timeout,
            runAt: try row.decode("run_at_us", as: Int64?.self).map { Timestamp(microseconds: $0) },
            requestID: try row.decode("request_id"), tenant: tenant
        )
        request.correlationID = try row.decode("correlation_id")
        request.priority = try row.decode("priority", as: Int?.self) ?? defaults.priority
        request.deadline = try row.decode("deadline_us", as: Int64?.self).map { Timestamp(microseconds: $0) }
        request.uniqueness = uniqueness
        if let invalidity = JobQueue.invalidity(of: request) { throw invalidity }
        return request
    }

    /// Enqueues `jobs` in one call. A queue that refuses its jobs (full, or a tenant past
    /// its quota) is set apart and the rest sent again until one call takes them all; the
    /// jobs an earlier call took are skipped by the resend, as their ids exist.
    /// - Returns: the refusal of each queue that refused.
    private func enqueue(_ jobs: [JobRequest]) async throws -> [QueueName: QueueError] {
        var remaining = jobs
        var refusals: [QueueName: QueueError] = [:]
        while !remaining.isEmpty {
            do {
                try await queue.enqueue(remaining)
                break
            } catch let refusal as QueueError {
                guard refusal.isRefusal, let refusing = refusal.refusingQueue else { throw refusal }
                refusals[refusing] = refusal
                remaining.removeAll { $0.queue == refusing }
            }
        }
        return refusals
    }

    /// `ids` as a PostgreSQL array literal, `{id,id,…}`.
    static func array(_ ids: [UUID]) -> String {
        "{" + ids.map(\.uuidString).joined(separator: ",") + "}"
    }
}
