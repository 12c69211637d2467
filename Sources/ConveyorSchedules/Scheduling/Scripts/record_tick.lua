-- Records what became of a schedule's tick: enqueued, or missed and skipped. Only the
-- first scheduler to record a tick counts it, so the missed count is exact however many
-- schedulers saw the same miss; a call for a tick at or before the recorded one changes
-- nothing.
--
-- KEYS: the schedule's hash
-- ARGV: tick (Unix seconds), enqueued (1 or 0), job id, ticks missed, latest missed tick
--       (0: none), now (Unix seconds)
-- Returns, when recorded, the tick recorded before (0: none), so that the caller reports
-- only the jobs of the ticks after it; -1 when this tick or a later one was recorded already.
local last = tonumber(redis.call('HGET', KEYS[1], 'last_tick'))
if last and last >= tonumber(ARGV[1]) then
  return -1
end
redis.call('HSET', KEYS[1], 'last_tick', ARGV[1], 'recorded_at', ARGV[6])
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'last_enqueued_tick', ARGV[1], 'last_job', ARGV[3])
end
if tonumber(ARGV[4]) > 0 then
  redis.call('HINCRBY', KEYS[1], 'missed', ARGV[4])
  redis.call('HSET', KEYS[1], 'last_missed_tick', ARGV[5])
end
return last or 0
