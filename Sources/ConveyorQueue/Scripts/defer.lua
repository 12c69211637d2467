-- Puts a running job back on the schedule without spending an attempt: its handler could
-- not start its work (a dependency's circuit breaker is open), so the attempt is undone as
-- a hand-back undoes it, and the job waits until `run_at_us`, when the work may succeed.
--
-- KEYS: active, scheduled, stats
-- ARGV: prefix, id, token, run_at_us
-- Returns 'scheduled', or 'refused' (the attempt no longer holds the lease).
local prefix, id, token = ARGV[1], ARGV[2], ARGV[3]
if redis.call('ZREM', KEYS[1], attempt_member(id, token)) == 0 then
  return 'refused'
end
local key = job_key(prefix, id)
local run_at = math.max(tonumber(ARGV[4]), now_us())
redis.call('HINCRBY', key, 'attempt', -1)
redis.call('HSET', key, 'state', 'scheduled', 'run_at', text(run_at))
redis.call('ZADD', KEYS[2], run_at, id)
redis.call('HINCRBY', KEYS[3], 'deferred', 1)
return 'scheduled'
