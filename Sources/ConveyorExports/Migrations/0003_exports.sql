-- Metric exports: one record per requested export, written by the API (queued) and the
-- metric_export job (running, then succeeded or failed). The file lives in the export
-- folder under file_name; the retention sweep deletes the file once expires_at has passed
-- and the record one retention period later, so that the API can answer 410 meanwhile.

CREATE TABLE conveyor_exports (
    id text PRIMARY KEY,
    tenant text NOT NULL,
    -- The export's name in jobs/exports/ (the file name without .sql).
    export text NOT NULL,
    format text NOT NULL CHECK (format IN ('csv', 'json')),
    -- The parameters as the request gave them, checked against the export's declarations.
    params jsonb NOT NULL DEFAULT '{}',
    state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    error text,
    rows bigint,
    bytes bigint,
    -- Of the file's bytes, as 64 lower-case hexadecimal digits.
    sha256 text,
    -- In the export folder; NULL until the file exists and again once it has expired.
    file_name text,
    job_id text,
    request_id text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    expires_at timestamptz NOT NULL
);

-- The retention sweep looks for expired exports.
CREATE INDEX conveyor_exports_expires ON conveyor_exports (expires_at);
-- The job-history retention deletes old rows by time alone.
CREATE INDEX conveyor_job_history_finished ON conveyor_job_history (finished_at);
