-- Asks whether a call may go to the dependency. Closed: yes. Open: no, until the
-- cool-down ends; then the breaker turns half-open. Half-open: yes for up to
-- `probe_limit` probe calls at once, each holding a slot (the call's token) until its
-- result is recorded or `probe_lease_us` passes; no for the others, who may ask again
-- after `recheck_us`, or when the first slot's lease ends if that is sooner: a probe
-- usually answers long before its lease would end.
--
-- KEYS: state, window, probes, transitions (see the prelude)
-- ARGV: token, probe_limit, probe_lease_us, recheck_us
-- Returns {allowed (1 or 0), state, retry_at_us}; retry_at_us is when a refused call
-- may be let through (0 when allowed).
local now = now_us()
local fields = redis.call('HMGET', KEYS[1], 'state', 'probe_at')
local state = fields[1] or 'closed'
if state == 'closed' then
  return {1, 'closed', 0}
end
if state == 'open' then
  local probe_at = tonumber(fields[2]) or now
  if now < probe_at then
    return {0, 'open', probe_at}
  end
  move('open', 'half_open', now, 'cool-down over')
  redis.call('HSET', KEYS[1], 'successes', 0)
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  return {0, 'half_open', math.min(tonumber(first[2]), now + tonumber(ARGV[4]))}
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[1])
return {1, 'half_open', 0}
