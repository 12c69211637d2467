-- Takes a job out of the dead set and queues it again with a fresh set of attempts.
--
-- KEYS: dead, ready, prioritized, stats
-- ARGV: prefix, id
-- Returns 1, or 0 when the job is not in the dead set.
local prefix, id = ARGV[1], ARGV[2]
if redis.call('ZREM', KEYS[1], id) == 0 then
  return 0
end
local key = job_key(prefix, id)
note_batch_outcome(prefix, id, redis.call('HGET', key, 'spec'), 'retried')
redis.call('HSET', key, 'state', 'queued', 'attempt', 0, 'enqueued_at', text(now_us()))
redis.call('HDEL', key, 'finished_at')
queue_job(KEYS[2], KEYS[3], KEYS[4], id, redis.call('HGET', key, 'priority'), false)
return 1
