-- The transactional outbox: an application enqueues jobs with plain SQL, in its own
-- transaction, by inserting rows here. A job exists only if that transaction commits:
--
--   BEGIN;
--   INSERT INTO orders (...) VALUES (...);
--   INSERT INTO conveyor_outbox (kind, payload, tenant) VALUES ('send_receipt', '{"order": 42}', 'acme');
--   COMMIT;
--
-- A relay in every API and worker process takes committed rows (FOR UPDATE SKIP LOCKED,
-- so any number of relays share them), enqueues them into Redis and deletes them in the
-- same transaction. A row's job id is derived from its id, so a relay that dies after
-- the enqueue and before its commit leaves rows whose resend creates nothing twice.
-- A row that can never become a job (an unknown kind, a payload its kind refuses, an
-- invalid queue name) is marked failed with the reason and left for the operator
-- (`conveyor outbox`), who retries or drops it.

CREATE TABLE conveyor_outbox (
    -- The job's id is `<queue>.<this uuid as a ULID>`: the same row always makes the same job.
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- A registered job kind, e.g. 'noop'.
    kind text NOT NULL,
    -- What the kind's run receives; checked against the kind when the row is relayed.
    payload jsonb NOT NULL DEFAULT '{}',
    -- NULL: the kind's queue.
    queue text,
    -- The tenant the job belongs to, whose producer keys may read it through the API.
    tenant text NOT NULL DEFAULT '',
    -- When to run the job; NULL (or a time already past) runs it at once.
    run_at timestamptz,
    -- NULL: the kind's.
    max_attempts integer CHECK (max_attempts BETWEEN 1 AND 1000),
    -- How long one attempt may run, in milliseconds; NULL: the kind's.
    timeout_ms integer CHECK (timeout_ms BETWEEN 1 AND 86400000),
    -- Carried into the worker's log lines for the job.
    request_id text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Not before this time: the queue refused the row for now (full, or the tenant past its
    -- quota), and the relay sends it again then.
    relay_after timestamptz,
    -- Why the row failed, or why the queue last refused it.
    error text,
    -- Set when the row can never become a job as written; the relay leaves it alone.
    failed_at timestamptz
);

-- Relays take pending rows, oldest first; the probe for any is one index lookup.
CREATE INDEX conveyor_outbox_pending ON conveyor_outbox (created_at) WHERE failed_at IS NULL;
-- The operator's list of failed rows.
CREATE INDEX conveyor_outbox_failed ON conveyor_outbox (failed_at) WHERE failed_at IS NOT NULL;
