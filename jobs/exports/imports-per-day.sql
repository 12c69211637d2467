-- The caller's imports per day (UTC) of acceptance: imports, rows, chunks, chunks that
-- failed, and the total loading time in seconds (first chunk started to last chunk
-- finished, per import), over an optional time range.
-- param since timestamptz optional
-- param until timestamptz optional
SELECT (i.accepted_at AT TIME ZONE 'UTC')::date AS day,
       count(*) AS imports,
       sum(i.row_count) AS rows,
       sum(i.chunk_count) AS chunks,
       sum(f.failures) AS failed_chunks,
       round(sum(coalesce(extract(epoch FROM l.last_finished - i.started_at), 0))::numeric, 3) AS duration_seconds
FROM conveyor_imports i
CROSS JOIN LATERAL (
    SELECT max(finished_at) AS last_finished FROM conveyor_import_ledger WHERE import_id = i.id
) l
CROSS JOIN LATERAL (
    SELECT count(*) AS failures FROM conveyor_import_chunk_failures WHERE import_id = i.id
) f
WHERE i.tenant = :tenant
  AND (:since IS NULL OR i.accepted_at >= :since)
  AND (:until IS NULL OR i.accepted_at < :until)
GROUP BY day
ORDER BY day
