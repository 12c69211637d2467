-- Cancels a job that has not started: queued, scheduled or waiting for a retry. A
-- fresh job leaves the fresh hash for a hash of its own, which expires with the retention.
-- A job never taken leaves its tenant's waiting jobs.
--
-- KEYS: ready, scheduled, finished, fresh, tenant_jobs, tenant_bytes
-- ARGV: prefix, id, retention_ms
-- Returns 1 when it cancelled the job, or the state that prevents it ('missing' when
-- there is no job, 'cancelled' when it was cancelled before, 'succeeded' for a job in
-- the finished set, whose hash still says 'running').
local prefix, id = ARGV[1], ARGV[2]
local key = job_key(prefix, id)
local now_text = text(now_us())
local waiting = waiting_tally()
local entry = redis.call('HGET', KEYS[4], id)
if entry then
  local enqueued_at, spec = split_fresh_entry(entry)
  redis.call('HDEL', KEYS[4], id)
  redis.call('LREM', KEYS[1], 1, id)
  redis.call('HSET', key, 'spec', spec, 'created_at', enqueued_at, 'enqueued_at', enqueued_at)
  waiting.add(spec, -1)
else
  local f = redis.call('HMGET', key, 'state', 'attempt', 'spec')
  local state = f[1]
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
  if not f[2] and f[3] then
    waiting.add(f[3], -1)
  end
end
waiting.write(KEYS[5], KEYS[6])
redis.call('HSET', key, 'state', 'cancelled', 'finished_at', now_text)
redis.call('PEXPIRE', key, ARGV[3])
return 1
