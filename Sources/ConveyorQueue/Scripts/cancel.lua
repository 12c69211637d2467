-- Cancels a job that has not started: queued, scheduled or waiting for a retry. A
-- fresh job leaves the fresh hash for a hash of its own, which expires with the retention.
--
-- KEYS: ready, scheduled, finished, fresh
-- ARGV: prefix, id, retention_ms
-- Returns 1 when it cancelled the job, or the state that prevents it ('missing' when
-- there is no job, 'cancelled' when it was cancelled before, 'succeeded' for a job in
-- the finished set, whose hash still says 'running').
local prefix, id = ARGV[1], ARGV[2]
local key = job_key(prefix, id)
local now_text = text(now_us())
local entry = redis.call('HGET', KEYS[4], id)
if entry then
  local enqueued_at, spec = split_fresh_entry(entry)
  redis.call('HDEL', KEYS[4], id)
  redis.call('LREM', KEYS[1], 1, id)
  redis.call('HSET', key, 'spec', spec, 'created_at', enqueued_at, 'enqueued_at', enqueued_at)
else
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
end
redis.call('HSET', key, 'state', 'cancelled', 'finished_at', now_text)
redis.call('PEXPIRE', key, ARGV[3])
return 1
