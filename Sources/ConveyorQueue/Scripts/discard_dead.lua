-- Deletes a job from the dead set for good.
--
-- KEYS: dead
-- ARGV: prefix, id
-- Returns 1, or 0 when the job is not in the dead set.
local prefix, id = ARGV[1], ARGV[2]
if redis.call('ZREM', KEYS[1], id) == 0 then
  return 0
end
redis.call('DEL', job_key(prefix, id))
return 1
