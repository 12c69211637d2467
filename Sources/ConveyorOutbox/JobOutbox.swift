import ConveyorCore
public import ConveyorPostgres
public import ConveyorQueue
import Foundation

/// Jobs that a PostgreSQL transaction decided to enqueue, recorded in that transaction
/// (`conveyor_job_outbox`), and delivered to the queue after its commit: by the process
/// that recorded them at once, and by any relay (``OutboxRelay``) after that, so that a
/// process that dies between the commit and the enqueue loses nothing.
///
/// An entry's jobs go to the queue in one enqueue call, all or nothing, or as one batch
/// (``JobQueue/createBatch(_:quotas:)``) when it was recorded as one. Any number of
/// processes may deliver at once: each takes an entry under a row lock, and a resent
/// entry creates nothing twice, since the queue skips the ids it has. An entry whose
/// enqueue failed, or whose reply was lost, stays pending and is sent again with the same
/// ids; it is never deleted unsent.
public struct JobOutbox: Sendable {
    private let pool: PostgresPool
    private let queue: JobQueue

    public init(pool: PostgresPool, queue: JobQueue) {
        self.pool = pool
        self.queue = queue
    }

    /// What makes an entry's jobs one batch.
    public struct Batch: Sendable {
        public var id: BatchID
        public var tenant: String
        /// Enqueued once every job of the batch has finished.
        public var onComplete: JobRequest

        public init(id: BatchID, tenant: String, onComplete: JobRequest) {
            self.id = id
            self.tenant = tenant
            self.onComplete = onComplete
        }
    }

    /// Records `jobs` as one entry, within the caller's transaction on `connection`: to be
    /// enqueued together, or created as `batch`.
    /// - Returns: the entry's id, for ``deliver(_:orWithdrawOnRefusal:)``.
    public static func record(_ jobs: [JobRequest], as batch: Batch? = nil, on connection: PostgresConnection) async throws -> Int64 {
        let encoder = JSONEncoder()
        let encoded = String(decoding: try encoder.encode(jobs.map { StoredJobRequest($0) }), as: UTF8.self)
        let encodedBatch = try batch.map { String(decoding: try encoder.encode(OutboxBatch($0)), as: UTF8.self) }
        let result = try await connection.query(
            "INSERT INTO conveyor_job_outbox (jobs, batch) VALUES ($1::jsonb, $2::jsonb) RETURNING id", [encoded, encodedBatch]
        )
        return try result.rows[0].decode("id")
    }

    /// What became of an entry that its recorder delivered.
    public enum Delivery: Sendable, Equatable {
        /// Its jobs are in the queue.
        case sent
        /// Another process is delivering it, or did.
        case inOtherHands
        /// The enqueue failed (Redis unreachable, or its reply lost): the entry is pending,
        /// and a relay sends it again.
        case pending
    }

    /// Delivers entry `id` now. When the queue refuses its jobs for good (a full queue, a
    /// tenant past its quota), `withdraw` runs in the transaction that holds the entry,
    /// which is then deleted, and the refusal is thrown: the caller undoes what the entry's
    /// transaction did, and no relay sends it meanwhile.
    public func deliver(
        _ id: Int64, orWithdrawOnRefusal withdraw: @Sendable (PostgresConnection) async throws -> Void
    ) async throws -> Delivery {
        // A refusal leaves the transaction as a value, since throwing would roll back the withdrawal.
        let outcome: Result<Delivery, QueueError> = try await pool.withConnection { connection in
            try await connection.transaction { connection in
                let entries = try await Self.take("id = $1", [id], on: connection)
                guard let entry = entries.first else { return .success(.inOtherHands) }
                do {
                    try await send(entry, on: connection)
                    return .success(.sent)
                } catch let refusal as QueueError where refusal.isRefusal {
                    try await withdraw(connection)
                    try await connection.execute("DELETE FROM conveyor_job_outbox WHERE id = $1", [id])
                    return .failure(refusal)
                } catch {
                    try await Self.postpone(entry, error: error, on: connection)
                    return .success(.pending)
                }
            }
        }
        return try outcome.get()
    }

    /// What one pass over the pending entries did.
    public struct Pass: Sendable, Equatable {
        public var sent: Int
        public var failed: Int

        public init(sent: Int = 0, failed: Int = 0) {
            self.sent = sent
            self.failed = failed
        }
    }

    /// Delivers up to `limit` pending entries that are due, those of dead processes and
    /// those whose enqueue failed; an entry that fails again is put off, longer each time.
    public func deliverPending(limit: Int = 20) async throws -> Pass {
        try await pool.withConnection { connection in
            try await connection.transaction { connection in
                var pass = Pass()
                let entries = try await Self.take("sent_at IS NULL AND deliver_after <= now() ORDER BY id LIMIT $1", [limit], on: connection)
                for entry in entries {
                    do {
                        try await send(entry, on: connection)
                        pass.sent += 1
                    } catch {
                        try await Self.postpone(entry, error: error, on: connection)
                        pass.failed += 1
                    }
                }
                return pass
            }
        }
    }

    /// Deletes the entries sent more than `age` ago.
    public func sweepSent(olderThan age: Duration) async throws -> Int {
        try await pool.withConnection { connection in
            try await connection.execute(
                "DELETE FROM conveyor_job_outbox WHERE sent_at < now() - make_interval(secs => $1)", [Int(age.components.seconds)]
            )
        }
    }

    // MARK: Entries

    private struct Entry {
        let id: Int64
        let attempts: Int
        let jobs: [JobRequest]
        let batch: Batch?
    }

    /// Locks and reads the pending entries that `condition` selects, skipping those another
    /// process holds.
    private static func take(_ condition: String, _ parameters: [(any PostgresEncodable)?], on connection: PostgresConnection) async throws
        -> [Entry]
    {
        let result = try await connection.query(
            """
            SELECT id, attempts, jobs::text AS jobs, batch::text AS batch FROM conveyor_job_outbox
            WHERE sent_at IS NULL AND \(condition) FOR UPDATE SKIP LOCKED
            """,
            parameters
        )
        let decoder = JSONDecoder()
        return try result.rows.map { row in
            let text: String = try row.decode("jobs")
            let jobs = try decoder.decode([StoredJobRequest].self, from: Data(text.utf8)).map { try $0.request() }
            let batch = try row.decode("batch", as: String?.self).map { try decoder.decode(OutboxBatch.self, from: Data($0.utf8)).batch() }
            return Entry(id: try row.decode("id"), attempts: try row.decode("attempts"), jobs: jobs, batch: batch)
        }
    }

    /// Enqueues the entry's jobs, or creates its batch: sent again, either creates nothing twice.
    private func send(_ entry: Entry, on connection: PostgresConnection) async throws {
        if let batch = entry.batch {
            try await queue.createBatch(
                BatchRequest(id: batch.id, tenant: batch.tenant, members: entry.jobs.map { BatchRequest.Member($0) }, onComplete: batch.onComplete)
            )
        } else {
            try await queue.enqueue(entry.jobs)
        }
        try await connection.execute("UPDATE conveyor_job_outbox SET sent_at = now() WHERE id = $1", [entry.id])
    }

    /// Puts an entry off for 1 s, doubling with each failure up to a minute.
    private static func postpone(_ entry: Entry, error: any Error, on connection: PostgresConnection) async throws {
        let delay = min(1 << min(entry.attempts, 6), 60)
        try await connection.execute(
            """
            UPDATE conveyor_job_outbox
            SET attempts = attempts + 1, last_error = $2, deliver_after = now() + make_interval(secs => $3)
            WHERE id = $1
            """,
            [entry.id, String(describing: error), delay]
        )
    }
}

/// A batch as an outbox entry stores it.
private struct OutboxBatch: Codable {
    let id: String
    let tenant: String
    let onComplete: StoredJobRequest

    enum CodingKeys: String, CodingKey {
        case id, tenant
        case onComplete = "on_complete"
    }

    init(_ batch: JobOutbox.Batch) {
        id = batch.id.description
        tenant = batch.tenant
        onComplete = StoredJobRequest(batch.onComplete)
    }

    func batch() throws -> JobOutbox.Batch {
        JobOutbox.Batch(id: try BatchID(id), tenant: tenant, onComplete: try onComplete.request())
    }
}
