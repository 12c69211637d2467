-- Takes a job out of the dead set and queues it again with a fresh set of attempts.
--
-- KEYS: dead, ready
-- ARGV: prefix, id
-- Returns 1, or 0 when the job is not in the dead set.
local prefix, id = ARGV[1], ARGV[2]
if redis.call('ZREM', KEYS[1], id) == 0 then
  return 0
end
local key = job_key(prefix, id)
redis.call('HSET', key, 'state', 'queued', 'attempt', 0, 'enqueued_at', text(now_us()))
redis.call('HDEL', key, 'finished_at')
redis.call('LPUSH', KEYS[2], id)
return 1
