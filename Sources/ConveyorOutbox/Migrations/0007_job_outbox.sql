-- The job outbox: jobs that a PostgreSQL transaction decided to enqueue, recorded in that
-- transaction, so that a process that dies between its commit and the enqueue loses none.
-- A relay in every API and worker process moves the pending entries to Redis and marks
-- them sent; each entry's jobs go in one enqueue call, whose job ids make a resend create
-- nothing twice.

CREATE TABLE conveyor_job_outbox (
    id bigserial PRIMARY KEY,
    -- The jobs, each {id, kind, payload, max_attempts, timeout_ms, request_id, tenant, run_at_us}.
    jobs jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Not before this time: a relay that failed to deliver the entry backs off.
    deliver_after timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    sent_at timestamptz
);

-- Relays look for pending entries in order.
CREATE INDEX conveyor_job_outbox_pending ON conveyor_job_outbox (id) WHERE sent_at IS NULL;
-- Sent entries are deleted after a day.
CREATE INDEX conveyor_job_outbox_sent ON conveyor_job_outbox (sent_at) WHERE sent_at IS NOT NULL;
