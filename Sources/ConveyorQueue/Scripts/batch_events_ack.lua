-- Removes the batch outcomes a relay applied (see batch_record.lua) from a queue's
-- batch_events, each only if it is still the one applied: a later outcome of the same job
-- that came meanwhile stays, to be applied in its turn.
--
-- KEYS: batch_events
-- ARGV: per outcome: id, the value applied
-- Returns the number removed.
local removed = 0
for at = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[at]) == ARGV[at + 1] then
    redis.call('HDEL', KEYS[1], ARGV[at])
    removed = removed + 1
  end
end
return removed
