-- Moves scheduled jobs (delayed, or waiting for a retry) whose time has come to the
-- queue. A job's wait is counted from the time it became due.
--
-- KEYS: scheduled, ready, prioritized, stats
-- ARGV: prefix, limit
-- Returns the number promoted.
local prefix = ARGV[1]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_us(), 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #due, 2 do
  local id = due[i]
  local key = job_key(prefix, id)
  redis.call('ZREM', KEYS[1], id)
  local f = redis.call('HMGET', key, 'state', 'priority')
  if f[1] then
    redis.call('HSET', key, 'state', 'queued', 'enqueued_at', due[i + 1])
    queue_job(KEYS[2], KEYS[3], KEYS[4], id, f[2], false)
  end
end
return #due / 2
