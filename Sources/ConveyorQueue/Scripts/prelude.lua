-- Prepended to every Conveyor script. A queue's keys all start with its prefix
-- "conveyor:{queue}:", so every key a script touches, job hashes included, carries
-- the queue's hash tag and lives in one Redis Cluster slot.
--
-- Times are Redis server time in microseconds: one clock for every worker, API and
-- scheduler process, whatever their machines' clocks say.
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function job_key(prefix, id)
  return prefix .. 'job:' .. id
end

-- The fence: only the attempt that holds the current lease may change a running job.
local function holds_lease(key, token)
  local f = redis.call('HMGET', key, 'state', 'lease')
  return f[1] == 'running' and f[2] == token
end

-- Moves a job to the dead set, then keeps the set within its size cap and age limit,
-- deleting the hashes of the jobs it drops.
local function bury(prefix, dead, id, now, reason, dead_max, dead_ttl_us)
  redis.call('HSET', job_key(prefix, id), 'state', 'dead', 'finished_at', now, 'error', reason)
  redis.call('HDEL', job_key(prefix, id), 'worker')
  redis.call('ZADD', dead, now, id)
  local excess = redis.call('ZCARD', dead) - dead_max
  if excess > 0 then
    local dropped = redis.call('ZPOPMIN', dead, excess)
    for i = 1, #dropped, 2 do
      redis.call('DEL', job_key(prefix, dropped[i]))
    end
  end
  local too_old = redis.call('ZRANGEBYSCORE', dead, '-inf', now - dead_ttl_us, 'LIMIT', 0, 100)
  for _, old in ipairs(too_old) do
    redis.call('DEL', job_key(prefix, old))
    redis.call('ZREM', dead, old)
  end
end
