-- Discards a job whose deadline passed before its first attempt could start: the worker that
-- took it finds the deadline behind the reserve's time and, instead of running it, ends the
-- attempt here. The job is cancelled, as `cancel` leaves a job (see cancel.lua), with the
-- reason as its error, and never runs. Fenced like every call about a running attempt.
--
-- KEYS: active, finished, stats
-- ARGV: prefix, id, token, retention_us, reason
-- Returns 'cancelled', or 'refused' (the attempt no longer holds the lease).
local prefix, id, token = ARGV[1], ARGV[2], ARGV[3]
if redis.call('ZREM', KEYS[1], attempt_member(id, token)) == 0 then
  return 'refused'
end
local key = job_key(prefix, id)
local now = now_us()
local spec = redis.call('HGET', key, 'spec')
redis.call('HSET', key, 'state', 'cancelled', 'finished_at', text(now), 'error', ARGV[5])
redis.call('ZADD', KEYS[2], now + retention_shift(spec, tonumber(ARGV[4])), id)
free_unique_lock(prefix, id, spec)
note_batch_outcome(prefix, id, spec, 'cancelled')
redis.call('HINCRBY', KEYS[3], 'expired', 1)
return 'cancelled'
