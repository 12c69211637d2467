-- One row per finished job attempt, appended by the workers in batches: the source of the
-- job statistics export and of the dashboard's figures. Rows are statistics, not state:
-- the job itself lives in Redis, so an attempt whose row was never written is not lost.

CREATE TABLE conveyor_job_history (
    job_id text NOT NULL,
    attempt integer NOT NULL,
    kind text NOT NULL,
    queue text NOT NULL,
    tenant text NOT NULL,
    -- As in the timing line: succeeded, failed, timed_out, lease_lost, handed_back, deferred.
    outcome text NOT NULL,
    -- The job's state after the attempt: succeeded, retrying, dead, queued, scheduled.
    state text NOT NULL,
    wait_ms double precision NOT NULL,
    run_ms double precision NOT NULL,
    finished_at timestamptz NOT NULL
);

-- Statistics are always asked per tenant over a time range.
CREATE INDEX conveyor_job_history_tenant_finished ON conveyor_job_history (tenant, finished_at);
