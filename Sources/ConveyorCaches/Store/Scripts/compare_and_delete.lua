-- Deletes a key only if it holds the given value: a lock released by its owner alone,
-- a pending-refresh marker cleared only by the job it names.
--
-- KEYS: key
-- ARGV: expected value
-- Returns 1 when deleted, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
