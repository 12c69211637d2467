-- The caller's finished job attempts per kind, from the job history: attempts, the share
-- that succeeded, and the 50th, 95th and 99th percentiles of their run time in
-- milliseconds, over an optional time range (by when the attempt finished).
-- param since timestamptz optional
-- param until timestamptz optional
SELECT kind,
       count(*) AS attempts,
       round(avg(CASE WHEN outcome = 'succeeded' THEN 1.0 ELSE 0.0 END), 4) AS success_rate,
       round(percentile_cont(0.50) WITHIN GROUP (ORDER BY run_ms)::numeric, 3) AS p50_ms,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY run_ms)::numeric, 3) AS p95_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY run_ms)::numeric, 3) AS p99_ms
FROM conveyor_job_history
WHERE tenant = :tenant
  AND (:since IS NULL OR finished_at >= :since)
  AND (:until IS NULL OR finished_at < :until)
GROUP BY kind
ORDER BY kind
