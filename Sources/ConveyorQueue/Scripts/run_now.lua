-- Queues a job of the schedule (delayed, deferred, or waiting for a retry) now, as promote
-- does once its time has come: it joins the queue behind the jobs already waiting, and its
-- attempts stay as they are.
--
-- KEYS: scheduled, ready
-- ARGV: prefix, id
-- Returns 1, or 0 when the job is not in the schedule (it ran, was cancelled, or never was).
local prefix, id = ARGV[1], ARGV[2]
if redis.call('ZREM', KEYS[1], id) == 0 then
  return 0
end
local key = job_key(prefix, id)
if redis.call('EXISTS', key) == 0 then
  return 0
end
redis.call('HSET', key, 'state', 'queued', 'enqueued_at', text(now_us()))
redis.call('LPUSH', KEYS[2], id)
return 1
