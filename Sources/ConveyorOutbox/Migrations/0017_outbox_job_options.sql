-- A row sets the rest of what POST /v1/jobs sets: the job's priority, its deadline, its
-- correlation id and its unique lock. Left NULL, each is the kind's, as a request that leaves
-- them out gets.

ALTER TABLE conveyor_outbox
    -- 0 to 9: a worker takes a queue's higher priorities first. NULL: the kind's.
    ADD COLUMN priority smallint CHECK (priority BETWEEN 0 AND 9),
    -- The job is discarded (cancelled, with the reason) if it has not started by then.
    ADD COLUMN deadline timestamptz,
    -- Carried beside the request id into the worker's log lines and the job's record.
    ADD COLUMN correlation_id text NOT NULL DEFAULT '',
    -- The job's unique lock. NULL: the kind's, if it declares one (or, with unique_fields,
    -- the kind's scope, else until_finished); 'none': no lock, whatever the kind declares;
    -- 'until_started', 'until_finished', or 'period' with unique_period_ms: a lock of that scope.
    ADD COLUMN unique_scope text CHECK (unique_scope IN ('none', 'until_started', 'until_finished', 'period')),
    -- The payload's top-level fields that make two jobs the same. NULL: the kind's, else the
    -- whole payload.
    ADD COLUMN unique_fields text[] CHECK (cardinality(unique_fields) BETWEEN 1 AND 16),
    -- How long a 'period' lock holds from the enqueue, up to 30 days.
    ADD COLUMN unique_period_ms bigint CHECK (unique_period_ms BETWEEN 1 AND 2592000000),
    ADD CONSTRAINT conveyor_outbox_unique_period
        CHECK ((unique_scope IS NOT DISTINCT FROM 'period') = (unique_period_ms IS NOT NULL)),
    ADD CONSTRAINT conveyor_outbox_unique_fields_locked
        CHECK (unique_fields IS NULL OR unique_scope IS DISTINCT FROM 'none');
