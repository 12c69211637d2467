-- Import callbacks. An import may name a URL that receives its final record once every
-- chunk is loaded or failed. The chunk transaction that finds the import complete sets
-- finished_at, under a lock on the import's row, so exactly one decides it; the callback
-- job, whose id is derived from the import's, is enqueued after that commit, and again by
-- any later delivery of a chunk, so a crash in between loses nothing.

ALTER TABLE conveyor_imports
    ADD COLUMN callback_url text,
    ADD COLUMN finished_at timestamptz;
