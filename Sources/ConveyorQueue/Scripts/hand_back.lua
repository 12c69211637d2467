-- Returns unfinished attempts to the head of the queue without spending an attempt:
-- a worker shutting down gives back what it could not finish.
--
-- KEYS: active, ready, prioritized, stats
-- ARGV: prefix, then per job: id, token
-- Returns the number handed back.
local prefix = ARGV[1]
local returned = 0
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('ZREM', KEYS[1], attempt_member(id, ARGV[i + 1])) == 1 then
    local key = job_key(prefix, id)
    redis.call('HINCRBY', key, 'attempt', -1)
    redis.call('HSET', key, 'state', 'queued')
    queue_job(KEYS[2], KEYS[3], KEYS[4], id, redis.call('HGET', key, 'priority'), true)
    returned = returned + 1
  end
end
return returned
