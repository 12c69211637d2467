-- Recovers the attempts whose lease expired: their worker died or stopped renewing.
-- Each such attempt counts as spent (a job that kills its worker cannot loop for
-- ever); the job goes back to the head of the queue, or to the dead set when its
-- attempts are spent. The old attempt has left the active set, so it is fenced off.
--
-- An attempt never renewed may never have started: the reply to the reserve that took it
-- can have been lost on its way to the worker. Such an attempt does not count, up to
-- `unstarted_max` times a job, after which a job whose attempts keep ending before their
-- first renewal (one that kills its worker at once) spends them as any other.
--
-- It also drops the cancelling set's members whose lease has ended (their worker is gone,
-- see cancel.lua), and sweeps the finished jobs whose retention has ended and the dead
-- ones past their age limit, which completions and deaths otherwise do, so that an idle
-- queue's are deleted too.
--
-- KEYS: active, ready, dead, stats, finished, cancelling, prioritized
-- ARGV: prefix, limit, dead_max, dead_ttl_us, retention_us, unstarted_max
-- Returns the number recovered.
local prefix = ARGV[1]
local now = now_us()
local unstarted_max = tonumber(ARGV[6])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(expired) do
  redis.call('ZREM', KEYS[1], member)
  local id, token = string.match(member, '^(.*):(%d+)$')
  local key = job_key(prefix, id)
  local f = redis.call('HMGET', key, 'state', 'attempt', 'spec', 'worker', 'renewed', 'unstarted', 'priority')
  if f[1] == 'running' then
    local worker = f[4] or 'unknown'
    local unstarted = tonumber(f[6]) or 0
    if f[5] ~= token and unstarted < unstarted_max then
      local reason = 'lease expired before worker ' .. worker .. ' renewed it: the attempt may never have started, and does not count'
      redis.call('HINCRBY', key, 'attempt', -1)
      redis.call('HSET', key, 'state', 'queued', 'error', reason, 'enqueued_at', text(now), 'unstarted', unstarted + 1)
      queue_job(KEYS[2], KEYS[7], KEYS[4], id, f[7], true)
    elseif tonumber(f[2]) >= max_attempts(f[3]) then
      bury(prefix, KEYS[3], id, f[3], now, 'lease expired: worker ' .. worker .. ' stopped renewing it', tonumber(ARGV[3]), tonumber(ARGV[4]))
      redis.call('HINCRBY', KEYS[4], 'dead', 1)
    else
      redis.call('HSET', key, 'state', 'queued', 'error', 'lease expired: worker ' .. worker .. ' stopped renewing it', 'enqueued_at', text(now))
      queue_job(KEYS[2], KEYS[7], KEYS[4], id, f[7], true)
    end
    redis.call('HINCRBY', KEYS[4], 'recovered', 1)
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
sweep_finished(prefix, KEYS[5], now - tonumber(ARGV[5]), tonumber(ARGV[2]))
drop_old_dead(prefix, KEYS[3], now, tonumber(ARGV[4]))
return #expired
