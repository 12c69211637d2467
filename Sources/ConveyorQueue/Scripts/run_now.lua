-- Queues a job of the schedule (delayed, deferred, waiting for a retry, or waiting for
-- the jobs of its batch that it comes after) now, as promote does once its time has come:
-- it joins the queue behind the jobs already waiting, and its attempts stay as they are.
--
-- KEYS: scheduled, ready, prioritized, stats
-- ARGV: prefix, id
-- Returns 1, or 0 when the job is not in the schedule (it ran, was cancelled, or never was).
local prefix, id = ARGV[1], ARGV[2]
if redis.call('ZREM', KEYS[1], id) == 0 then
  return 0
end
local key = job_key(prefix, id)
local f = redis.call('HMGET', key, 'state', 'priority')
if not f[1] then
  return 0
end
redis.call('HSET', key, 'state', 'queued', 'enqueued_at', text(now_us()))
queue_job(KEYS[2], KEYS[3], KEYS[4], id, f[2], false)
return 1
