-- Marks a batch of attempts succeeded. Each one is fenced: an attempt whose lease was
-- lost (recovered, handed back, timed out) is refused and changes nothing.
--
-- The batch is checked against the active set with one ZMSCORE and leaves it with one
-- ZREM; the succeeded jobs join the finished set, scored by now, with one ZADD, and
-- their hashes are deleted by a later sweep. A job's hash is written only when its
-- attempt returned a result: its membership of the finished set is what says that it
-- succeeded, and when. Each command a script runs costs Redis a call from Lua and an
-- append to the AOF, so a few commands for the whole batch beat two or three per job.
--
-- KEYS: active, stats, finished
-- ARGV: prefix, retention_us, then per job: id, token, result ('' for none)
-- Returns one 1 (done) or 0 (refused) per job, in order.
local prefix = ARGV[1]
local now = now_us()
local now_text = text(now)
local members = {}
for i = 3, #ARGV, 3 do
  members[#members + 1] = attempt_member(ARGV[i], ARGV[i + 1])
end
-- a member not in the active set has no score: false
local scores = call_in_slices('ZMSCORE', KEYS[1], members)
local replies, taken, finished, claimed = {}, {}, {}, {}
for n, member in ipairs(members) do
  -- a lease given twice in one batch is taken once
  if scores[n] and not claimed[member] then
    claimed[member] = true
    local id, result = ARGV[3 * n], ARGV[3 * n + 2]
    if result ~= '' then
      redis.call('HSET', job_key(prefix, id), 'result', result)
    end
    taken[#taken + 1] = member
    finished[#finished + 1] = now_text
    finished[#finished + 1] = id
    replies[n] = 1
  else
    replies[n] = 0
  end
end
if #taken > 0 then
  call_in_slices('ZREM', KEYS[1], taken)
  call_in_slices('ZADD', KEYS[3], finished)
  redis.call('HINCRBY', KEYS[2], 'succeeded', #taken)
  -- twice as many as were added, so that the sweep keeps up with a busy queue
  sweep_finished(prefix, KEYS[3], now - tonumber(ARGV[2]), 2 * #taken)
end
return replies
