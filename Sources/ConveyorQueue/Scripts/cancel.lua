-- Cancels a job that has not started: queued, scheduled or waiting for a retry.
--
-- KEYS: ready, scheduled, finished
-- ARGV: prefix, id, retention_ms
-- Returns 1 when it cancelled the job, or the state that prevents it ('missing' when
-- there is no job, 'cancelled' when it was cancelled before, 'succeeded' for a job in
-- the finished set, whose hash still says 'running').
local prefix, id = ARGV[1], ARGV[2]
local key = job_key(prefix, id)
local state = redis.call('HGET', key, 'state')
if not state then
  return 'missing'
end
if state == 'queued' then
  redis.call('LREM', KEYS[1], 1, id)
elseif state == 'scheduled' or state == 'retrying' then
  redis.call('ZREM', KEYS[2], id)
elseif state == 'running' and redis.call('ZSCORE', KEYS[3], id) then
  return 'succeeded'
else
  return state
end
redis.call('HSET', key, 'state', 'cancelled', 'finished_at', text(now_us()))
redis.call('PEXPIRE', key, ARGV[3])
return 1
