-- Each attempt's row carries its phases, as its timing line does: the time it waited for a
-- PostgreSQL connection, spent in PostgreSQL, in external calls and in Redis, so that a job's
-- page shows where each attempt's run time went. Rows written before have none (NULL); adding
-- columns without a default leaves the table's rows as they are.

ALTER TABLE conveyor_job_history
    ADD COLUMN db_pool_wait_ms double precision,
    ADD COLUMN db_ms double precision,
    ADD COLUMN external_ms double precision,
    ADD COLUMN redis_ms double precision;
