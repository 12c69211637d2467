-- Every attempt of every worker adds a row to conveyor_job_history, so each of its indexes
-- is paid for per job. The retention sweep deletes old rows by finished_at alone; rows
-- arrive in about finished_at order, so a BRIN index finds that range as a B-tree would,
-- at a fraction of the cost of inserting into it (a COPY of 300,000 rows took 15 % less).

DROP INDEX conveyor_job_history_finished;
CREATE INDEX conveyor_job_history_finished ON conveyor_job_history USING brin (finished_at);
