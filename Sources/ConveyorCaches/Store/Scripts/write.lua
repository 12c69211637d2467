-- Stores a computed value, if the refresh that computed it still holds the value's lock:
-- the value, the Redis time it was computed and its TTL, expiring with it; then releases
-- the lock and clears the pending-refresh marker, since the value is now there.
--
-- KEYS: value, lock, pending
-- ARGV: lock token, value JSON, ttl_ms
-- Returns the computed_at time in microseconds, or 0 when the lock was lost.
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return 0
end
local time = redis.call('TIME')
local computed_at = tonumber(time[1]) * 1000000 + tonumber(time[2])
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'computed_at', string.format('%d', computed_at), 'ttl_ms', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('DEL', KEYS[2], KEYS[3])
return computed_at
