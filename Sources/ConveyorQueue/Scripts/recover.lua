-- Recovers the attempts whose lease expired: their worker died or stopped renewing.
-- Each such attempt counts as spent (a job that kills its worker cannot loop for
-- ever); the job goes back to the head of the queue, or to the dead set when its
-- attempts are spent. The old attempt has left the active set, so it is fenced off.
-- It also sweeps the succeeded jobs whose retention has ended, which completions
-- otherwise do, so that an idle queue's are deleted too.
--
-- KEYS: active, ready, dead, stats, finished
-- ARGV: prefix, limit, dead_max, dead_ttl_us, retention_us
-- Returns the number recovered.
local prefix = ARGV[1]
local now = now_us()
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(expired) do
  redis.call('ZREM', KEYS[1], member)
  local id = string.match(member, '^(.*):%d+$')
  local key = job_key(prefix, id)
  local f = redis.call('HMGET', key, 'state', 'attempt', 'spec', 'worker')
  if f[1] == 'running' then
    local reason = 'lease expired: worker ' .. (f[4] or 'unknown') .. ' stopped renewing it'
    if tonumber(f[2]) >= max_attempts(f[3]) then
      bury(prefix, KEYS[3], id, now, reason, tonumber(ARGV[3]), tonumber(ARGV[4]))
      redis.call('HINCRBY', KEYS[4], 'dead', 1)
    else
      redis.call('HSET', key, 'state', 'queued', 'error', reason, 'enqueued_at', text(now))
      redis.call('RPUSH', KEYS[2], id)
    end
    redis.call('HINCRBY', KEYS[4], 'recovered', 1)
  end
end
sweep_finished(prefix, KEYS[5], now - tonumber(ARGV[5]), tonumber(ARGV[2]))
return #expired
