-- The job fences: per job, the newest attempt that opened a fenced transaction
-- (JobContext.withFencedTransaction). An attempt claims the fence before its transaction
-- begins and commits only while the fence is still its own, so an attempt that stalled past
-- its lease (a stopped process, a cut network) cannot commit after a newer attempt began.
-- Attempts are ordered by when the job was queued for them (the Redis clock, in
-- microseconds), then by fencing token: tokens restart when a job id is reused after its
-- retention.

CREATE TABLE conveyor_job_fences (
    job_id text PRIMARY KEY,
    enqueued_at bigint NOT NULL,
    token bigint NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now()
);

-- The retention sweep deletes fences claimed long ago.
CREATE INDEX conveyor_job_fences_claimed ON conveyor_job_fences (claimed_at);
