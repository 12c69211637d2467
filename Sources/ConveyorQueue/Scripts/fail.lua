-- Records a failed attempt: the job is scheduled for a retry after `retry_in_us`, or
-- goes to the dead set when the error is permanent or its attempts are spent.
--
-- KEYS: active, scheduled, dead, stats
-- ARGV: prefix, id, token, error, retry_in_us, permanent (0/1), dead_max, dead_ttl_us
-- Returns 'retrying', 'dead' or 'refused' (the attempt no longer holds the lease).
local prefix, id, token = ARGV[1], ARGV[2], ARGV[3]
if redis.call('ZREM', KEYS[1], attempt_member(id, token)) == 0 then
  return 'refused'
end
local key = job_key(prefix, id)
local now = now_us()
local f = redis.call('HMGET', key, 'attempt', 'spec')
if ARGV[6] == '1' or tonumber(f[1]) >= max_attempts(f[2]) then
  bury(prefix, KEYS[3], id, f[2], now, ARGV[4], tonumber(ARGV[7]), tonumber(ARGV[8]))
  redis.call('HINCRBY', KEYS[4], 'dead', 1)
  return 'dead'
end
local run_at = now + tonumber(ARGV[5])
redis.call('HSET', key, 'state', 'retrying', 'error', ARGV[4], 'run_at', text(run_at))
redis.call('ZADD', KEYS[2], run_at, id)
redis.call('HINCRBY', KEYS[4], 'retried', 1)
note_batch_outcome(prefix, id, f[2], 'retrying')
return 'retrying'
