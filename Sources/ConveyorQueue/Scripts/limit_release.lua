-- Gives back an attempt's slot of a concurrency limit (see limit_slot.lua), as its attempt
-- ends.
--
-- KEYS: slots
-- ARGV: member
-- Returns 1 when the attempt held a slot, 0 when it held none (it was taken back).
return redis.call('ZREM', KEYS[1], ARGV[1])
