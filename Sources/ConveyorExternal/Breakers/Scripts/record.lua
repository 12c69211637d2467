-- Records the result of a call that `permit` let through.
--
-- A probe of the half-open breaker (its token holds a slot): a failure opens the
-- breaker again for another cool-down; `probes_to_close` successes close it.
-- A call while closed: counted in the rolling window of `buckets` buckets spanning
-- `window_us`; when the window holds at least `min_calls` calls and the failed share
-- reaches `threshold`, the breaker opens. A result that arrives after the breaker
-- left the state its call began in changes nothing, nor does an abandoned call (its
-- job was cancelled), beyond freeing its probe slot.
--
-- KEYS: state, window, probes, transitions (see the prelude)
-- ARGV: outcome (success, failure or abandoned), token, window_us, buckets, min_calls,
--   threshold (a fraction), cool_down_us, probes_to_close, the state the call began in
-- Returns the state after the call.
local now = now_us()
local outcome, token = ARGV[1], ARGV[2]
local cool_down_us = tonumber(ARGV[7])
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'

if redis.call('ZREM', KEYS[3], token) == 1 then
  if outcome == 'failure' then
    open('half_open', now, cool_down_us, 'a probe failed')
    return 'open'
  end
  if outcome == 'success' and redis.call('HINCRBY', KEYS[1], 'successes', 1) >= tonumber(ARGV[8]) then
    move('half_open', 'closed', now, 'probes succeeded')
    redis.call('HDEL', KEYS[1], 'opened_at', 'probe_at', 'successes')
    redis.call('DEL', KEYS[2], KEYS[3])
    return 'closed'
  end
  return state
end
if state ~= 'closed' or ARGV[9] ~= 'closed' or outcome == 'abandoned' then
  return state
end

local window_us = tonumber(ARGV[3])
local bucket_us = math.max(1, math.floor(window_us / tonumber(ARGV[4])))
local bucket_start = math.floor(now / bucket_us) * bucket_us
redis.call('HINCRBY', KEYS[2], text(bucket_start) .. ':' .. outcome, 1)
-- An idle window empties itself.
redis.call('PEXPIRE', KEYS[2], math.ceil(window_us / 1000) + 1000)

local fields = redis.call('HGETALL', KEYS[2])
local successes, failures, stale = 0, 0, {}
for i = 1, #fields, 2 do
  local start, kind = string.match(fields[i], '^(%d+):(%a+)$')
  if tonumber(start) + bucket_us <= now - window_us then
    stale[#stale + 1] = fields[i]
  elseif kind == 'failure' then
    failures = failures + tonumber(fields[i + 1])
  else
    successes = successes + tonumber(fields[i + 1])
  end
end
if #stale > 0 then
  redis.call('HDEL', KEYS[2], unpack(stale))
end
local calls = successes + failures
if calls >= tonumber(ARGV[5]) and failures >= tonumber(ARGV[6]) * calls then
  redis.call('HSET', KEYS[1], 'failure_rate', string.format('%.4f', failures / calls))
  open('closed', now, cool_down_us, string.format('%d of %d calls failed', failures, calls))
  return 'open'
end
return 'closed'
