-- Reads a cached value or, when it is missing (never computed, or expired), or when a
-- refresh is asked for, names the refresh job that will compute it: the pending one if
-- there is one, else the caller's candidate, which the caller then enqueues. So however
-- many requests arrive while a refresh is pending, they all name one job.
--
-- KEYS: value, pending
-- ARGV: candidate job id, pending_ms (how long the marker may outlive a lost job),
--       refresh ('1': name a refresh even when the value is there)
-- Returns {1, value, computed_at_us, ttl_ms, now_s, now_us} for a value,
--         {0, job id} for a refresh.
if ARGV[3] ~= '1' then
  local entry = redis.call('HMGET', KEYS[1], 'value', 'computed_at', 'ttl_ms')
  if entry[1] then
    local now = redis.call('TIME')
    return {1, entry[1], entry[2], entry[3], now[1], now[2]}
  end
end
local pending = redis.call('GET', KEYS[2])
if pending then
  return {0, pending}
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {0, ARGV[1]}
