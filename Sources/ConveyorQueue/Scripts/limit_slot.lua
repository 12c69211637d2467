-- Takes, or renews, an attempt's slot of a concurrency limit: at most `limit` attempts hold
-- its slots at once, across every worker. A slot is the attempt's member ("<id>:<token>") in
-- the limit's sorted set, scored by a deadline one lease ahead, which the attempt's worker
-- pushes on while the attempt runs and removes when it ends. A slot past its deadline is a
-- dead worker's, and is taken back here; the key itself expires a lease after its last use.
--
-- KEYS: slots
-- ARGV: member, limit, lease_us
-- Returns 1 when the attempt holds a slot, 0 when every slot is held by others.
local now = now_us()
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.ceil(lease / 1000))
  return 1
end
return 0
