-- Cancels a job that has not finished. A job not running (queued, scheduled, retrying,
-- waiting) will
-- never run; a running one is fenced off and its worker told to stop it.
--
-- A queued job's id stays in the ready list, since finding it there takes time in
-- proportion to the list: reserve drops it when it comes up, and the stats field
-- `cancelled_in_line` counts such ids until then, for the queue's depth. A fresh job
-- leaves the fresh hash for a hash of its own. A job never taken leaves its tenant's
-- waiting jobs.
--
-- A running attempt's member moves from the active set to the cancelling set with its
-- lease deadline: its calls are refused from now on, its worker finds it there (see
-- `JobQueue.cancellations`) and stops the attempt, and recover drops members whose
-- deadline has passed, whose worker is gone.
--
-- The job joins the finished set, as a succeeded one does, and leaves with it once the
-- retention (its kind's own, when it has one) has passed; its hash says 'cancelled', a
-- succeeded job's 'running'. Its unique lock is freed.
--
-- KEYS: scheduled, finished, fresh, tenant_jobs, tenant_bytes, active, cancelling, stats, prioritized
-- ARGV: prefix, id, retention_us
-- Returns 1 when it cancelled a waiting job, 2 a running one, or the state that prevents
-- it ('missing' when there is no job, 'cancelled' when it was cancelled before,
-- 'succeeded' for a job in the finished set, whose hash still says 'running').
local prefix, id = ARGV[1], ARGV[2]
local key = job_key(prefix, id)
local now = now_us()
local waiting = waiting_tally()
local cancelled = 1
local spec
local entry = redis.call('HGET', KEYS[3], id)
if entry then
  local enqueued_at
  enqueued_at, spec = split_fresh_entry(entry)
  redis.call('HDEL', KEYS[3], id)
  redis.call('HINCRBY', KEYS[8], 'cancelled_in_line', 1)
  redis.call('HSET', key, 'spec', spec, 'created_at', enqueued_at, 'enqueued_at', enqueued_at)
  waiting.add(spec, -1)
else
  local f = redis.call('HMGET', key, 'state', 'attempt', 'spec', 'lease')
  local state = f[1]
  if not state then
    return 'missing'
  end
  spec = f[3]
  if state == 'queued' then
    redis.call('HINCRBY', KEYS[8], 'cancelled_in_line', 1)
    redis.call('ZREM', KEYS[9], id)
  elseif state == 'scheduled' or state == 'retrying' or state == 'waiting' then
    redis.call('ZREM', KEYS[1], id)
  elseif state == 'running' then
    if redis.call('ZSCORE', KEYS[2], id) then
      return 'succeeded'
    end
    local member = attempt_member(id, f[4] or '')
    local deadline = redis.call('ZSCORE', KEYS[6], member)
    if not deadline then
      return state
    end
    redis.call('ZREM', KEYS[6], member)
    redis.call('ZADD', KEYS[7], deadline, member)
    cancelled = 2
  else
    return state
  end
  if not f[2] and f[3] then
    waiting.add(f[3], -1)
  end
end
waiting.write(KEYS[4], KEYS[5])
redis.call('HSET', key, 'state', 'cancelled', 'finished_at', text(now))
redis.call('ZADD', KEYS[2], now + retention_shift(spec, tonumber(ARGV[3])), id)
free_unique_lock(prefix, id, spec)
note_batch_outcome(prefix, id, spec, 'cancelled')
return cancelled
