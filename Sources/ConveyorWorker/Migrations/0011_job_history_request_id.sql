-- Each attempt's row carries the request id its job was enqueued with (the caller's
-- X-Request-ID or the one the API made), so that the dashboard finds the jobs of one API
-- request. Rows written before have none ('').
--
-- A search by request id is one range of the index, newest first, however large the table.
-- Only attempts with a request id are indexed: jobs enqueued without one (through the
-- library, with no request) cost the index nothing.

ALTER TABLE conveyor_job_history ADD COLUMN request_id text NOT NULL DEFAULT '';
CREATE INDEX conveyor_job_history_request ON conveyor_job_history (request_id, finished_at) WHERE request_id <> '';
