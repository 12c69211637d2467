-- Marks a batch of attempts succeeded. Each one is fenced: an attempt whose lease was
-- lost (recovered, handed back, timed out) is refused and changes nothing.
--
-- The batch is checked against the active set with one ZMSCORE and leaves it with one
-- ZREM; a succeeded job joins the finished set, scored by the end of its retention,
-- and its hash is deleted by a later sweep. Each command a script runs costs Redis
-- about as much again to append to the AOF, so a few commands for the whole batch
-- beat a ZREM and a PEXPIRE per job.
--
-- KEYS: active, stats, finished
-- ARGV: prefix, retention_us, then per job: id, token, result ('' for none)
-- Returns one 1 (done) or 0 (refused) per job, in order.
local prefix = ARGV[1]
local now = now_us()
local now_text = text(now)
local retained_until = text(now + tonumber(ARGV[2]))
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
    local key = job_key(prefix, id)
    if result == '' then
      redis.call('HSET', key, 'state', 'succeeded', 'finished_at', now_text)
    else
      redis.call('HSET', key, 'state', 'succeeded', 'finished_at', now_text, 'result', result)
    end
    taken[#taken + 1] = member
    finished[#finished + 1] = retained_until
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
  sweep_finished(prefix, KEYS[3], now, 2 * #taken)
end
return replies
