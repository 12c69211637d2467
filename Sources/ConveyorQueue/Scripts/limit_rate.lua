-- Counts an attempt's start against a rate limit: at most `limit` starts within any
-- `window`, across every worker. The limit's sorted set holds the starts of the last window
-- (the attempts' members, scored by when they started); the key expires a window after the
-- last start.
--
-- KEYS: starts
-- ARGV: member, limit, window_us
-- Returns 0 when the attempt may start (its start is counted), or else the microseconds
-- until the window has room.
local now = now_us()
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
