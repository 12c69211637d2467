-- Each attempt's row carries the request id its job was enqueued with (the caller's
-- X-Request-ID or the one the API made), so that the dashboard finds the jobs of one API
-- request. Rows written before have none ('').
--
-- Like every index of this table, this one is paid for per attempt written; it makes a search
-- by request id one range of the index, newest first, however large the table.

ALTER TABLE conveyor_job_history ADD COLUMN request_id text NOT NULL DEFAULT '';
CREATE INDEX conveyor_job_history_request ON conveyor_job_history (request_id, finished_at);
