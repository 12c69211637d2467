-- An outbox entry may deliver its jobs as one batch (see JobQueue.createBatch): the batch's
-- id, tenant and on_complete job, {id, tenant, on_complete}; NULL for jobs enqueued alone.
-- Imports deliver their chunk jobs so, and finish through the batch's on_complete.

ALTER TABLE conveyor_job_outbox ADD COLUMN batch jsonb;
