-- Prepended to every breaker script. A breaker's keys all start with
-- "conveyor:breaker:{<dependency>}:", so they share one Redis Cluster slot, and every
-- script gets them in this order:
--
-- KEYS[1] state: the hash of `state` (closed, open or half_open; absent means closed),
--   `changed_at`, `opened_at` and `probe_at` (when the cool-down ends) while not closed,
--   `successes` of the probes while half-open, `failure_rate` when it last opened, and
--   `to_closed`, `to_open`, `to_half_open`: how many transitions went to each state.
-- KEYS[2] window: calls of the rolling window while closed, one field per bucket and
--   outcome, "<bucket start us>:success" or ":failure".
-- KEYS[3] probes: the probe calls under way while half-open, scored by when their slot
--   is given up if their result never comes (the worker died).
-- KEYS[4] transitions: the latest transitions, newest first, "<at us> <from> <to> <why>".
--
-- Times are Redis server time in microseconds, one clock for every worker.
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function text(number)
  return string.format('%d', number)
end

local transitions_kept = 50

local function move(from, to, now, why)
  redis.call('HSET', KEYS[1], 'state', to, 'changed_at', text(now))
  redis.call('HINCRBY', KEYS[1], 'to_' .. to, 1)
  redis.call('LPUSH', KEYS[4], text(now) .. ' ' .. from .. ' ' .. to .. ' ' .. why)
  redis.call('LTRIM', KEYS[4], 0, transitions_kept - 1)
end

-- Opens the breaker: calls are refused until `cool_down_us` from now.
local function open(from, now, cool_down_us, why)
  move(from, 'open', now, why)
  redis.call('HSET', KEYS[1], 'opened_at', text(now), 'probe_at', text(now + cool_down_us))
  redis.call('HDEL', KEYS[1], 'successes')
  redis.call('DEL', KEYS[2], KEYS[3])
end
