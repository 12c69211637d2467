-- Export files kept in PostgreSQL (--export-store postgres), where the API on every host
-- reaches them: one row per file an export attempt writes, and its bytes in chunks of 1 MiB.
-- A file is whole once finished_at is set; conveyor_exports.file_name names the file of a
-- finished export. The retention sweep deletes a file with its export's expiry, and the files
-- no record names once no attempt can still be writing them (by created_at).

CREATE TABLE conveyor_export_files (
    file_name text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

CREATE INDEX conveyor_export_files_created ON conveyor_export_files (created_at);

CREATE TABLE conveyor_export_chunks (
    file_name text NOT NULL REFERENCES conveyor_export_files ON DELETE CASCADE,
    -- From 0, in the file's order.
    seq integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (file_name, seq)
);

-- Stored as they come, uncompressed, so that a chunk costs PostgreSQL no more CPU than
-- its copy.
ALTER TABLE conveyor_export_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
