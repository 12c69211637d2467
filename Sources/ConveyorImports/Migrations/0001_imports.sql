-- Bulk imports. An import's rows wait in conveyor_import_chunks, in PostgreSQL's COPY text
-- format, until a batch_create job loads their chunk; the job's transaction writes the
-- chunk's ledger row, whose key makes loading a chunk happen once however often it is
-- delivered. The tables are written by the intake and the loader only.

CREATE TABLE conveyor_imports (
    id text PRIMARY KEY,
    dataset text NOT NULL,
    tenant text NOT NULL,
    -- The fields of each spooled row, in order, comma-separated: the loader checks that the
    -- dataset still has them.
    columns text NOT NULL,
    on_conflict text NOT NULL CHECK (on_conflict IN ('skip', 'update')),
    chunk_size integer NOT NULL,
    chunk_count integer NOT NULL DEFAULT 0,
    row_count bigint NOT NULL DEFAULT 0,
    request_id text NOT NULL,
    accepted_at timestamptz NOT NULL DEFAULT now(),
    -- When the first chunk job began.
    started_at timestamptz
);

CREATE TABLE conveyor_import_chunks (
    import_id text NOT NULL REFERENCES conveyor_imports (id) ON DELETE CASCADE,
    chunk_number integer NOT NULL,
    row_count integer NOT NULL,
    first_line bigint NOT NULL,
    -- One line per row: its body line, then its values. NULL once the chunk is loaded.
    data text,
    PRIMARY KEY (import_id, chunk_number)
);
-- lz4 compresses the rows several times over for little CPU, so there is less to write.
ALTER TABLE conveyor_import_chunks ALTER COLUMN data SET COMPRESSION lz4;

CREATE TABLE conveyor_import_ledger (
    import_id text NOT NULL,
    chunk_number integer NOT NULL,
    inserted integer NOT NULL,
    updated integer NOT NULL,
    skipped integer NOT NULL,
    -- The loading transaction's start, and its end.
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (import_id, chunk_number),
    FOREIGN KEY (import_id, chunk_number) REFERENCES conveyor_import_chunks ON DELETE CASCADE
);

-- Chunks that failed: PostgreSQL refused a row (with its body line when found), or the last
-- attempt failed. A later successful load deletes the row.
CREATE TABLE conveyor_import_chunk_failures (
    import_id text NOT NULL,
    chunk_number integer NOT NULL,
    line bigint,
    message text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (import_id, chunk_number),
    FOREIGN KEY (import_id, chunk_number) REFERENCES conveyor_import_chunks ON DELETE CASCADE
);
