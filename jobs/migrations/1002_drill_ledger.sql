-- The ledger of the drill.ledger kind (jobs/Kinds/LedgerDrillJob.swift): one row per
-- committed attempt, keyed by the job and the attempt's fencing token. started_at is when
-- the attempt's transaction began, committed_at the moment just before its COMMIT; the
-- chaos drill (ops/drill/chaos) compares the intervals of a job's attempts.

CREATE TABLE drill_ledger (
    job_id text NOT NULL,
    token bigint NOT NULL,
    attempt integer NOT NULL,
    started_at timestamptz NOT NULL,
    committed_at timestamptz,
    PRIMARY KEY (job_id, token)
);
