-- The dashboard of one tenant: the figures of the exports in one object. Inventory totals
-- (products, units in stock, stock value in cents), imports over the last day (how many,
-- rows, failed chunks), and jobs over the last hour (attempts, the share that succeeded,
-- the 95th percentile of run time in ms; null without attempts).
--
-- A cache file: '-- ttl' is how long a computed value is served (s, m, h or d); '-- result'
-- is row (exactly one row, the value an object with a member per column; the default) or
-- rows (an array of objects); other header comments describe the value. The query uses
-- :tenant and no other parameter. The value is named after the file.
--
-- ttl 5m
-- result row
SELECT
    inventory.products,
    inventory.units,
    inventory.value_cents,
    imports.imports_last_day,
    imports.rows_last_day,
    imports.failures_last_day,
    jobs.jobs_last_hour,
    jobs.success_rate_last_hour,
    jobs.p95_run_ms_last_hour
FROM
    (
        SELECT count(*) AS products,
               coalesce(sum(quantity), 0) AS units,
               coalesce(sum(price_cents * quantity), 0) AS value_cents
        FROM products
        WHERE tenant = :tenant
    ) AS inventory,
    (
        SELECT count(*) AS imports_last_day,
               coalesce(sum(row_count), 0) AS rows_last_day,
               (SELECT count(*)
                  FROM conveyor_import_chunk_failures AS failure
                  JOIN conveyor_imports AS failed ON failed.id = failure.import_id
                 WHERE failed.tenant = :tenant AND failure.failed_at >= now() - interval '1 day') AS failures_last_day
        FROM conveyor_imports
        WHERE tenant = :tenant AND accepted_at >= now() - interval '1 day'
    ) AS imports,
    (
        SELECT count(*) AS jobs_last_hour,
               round((count(*) FILTER (WHERE outcome = 'succeeded'))::numeric / nullif(count(*), 0), 4) AS success_rate_last_hour,
               round((percentile_cont(0.95) WITHIN GROUP (ORDER BY run_ms))::numeric, 3) AS p95_run_ms_last_hour
        FROM conveyor_job_history
        WHERE tenant = :tenant AND finished_at >= now() - interval '1 hour'
    ) AS jobs
