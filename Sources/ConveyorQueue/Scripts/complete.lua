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
-- A job whose spec has options (a unique lock, its kind's own retention, a batch) is named
-- by the caller, and only such a job's spec is read: its lock is freed, its batch told, and it joins the finished
-- set as much later as its kind keeps jobs longer than the queue (see retention_shift),
-- its hash keeping that shift (`kept`) for reads to take its finish time from.
--
-- KEYS: active, stats, finished
-- ARGV: prefix, retention_us, the number of jobs with options, their positions in the
--   batch (from 1), then per job: id, token, result ('' for none)
-- Returns one 1 (done) or 0 (refused) per job, in order.
local prefix = ARGV[1]
local retention = tonumber(ARGV[2])
local now = now_us()
local now_text = text(now)
local with_options = {}
local first_job = 4 + tonumber(ARGV[3])
for i = 4, first_job - 1 do
  with_options[tonumber(ARGV[i])] = true
end
local members = {}
for i = first_job, #ARGV, 3 do
  members[#members + 1] = attempt_member(ARGV[i], ARGV[i + 1])
end
-- a member not in the active set has no score: false
local scores = call_in_slices('ZMSCORE', KEYS[1], members)
local replies, taken, finished, claimed = {}, {}, {}, {}
for n, member in ipairs(members) do
  -- a lease given twice in one batch is taken once
  if scores[n] and not claimed[member] then
    claimed[member] = true
    local at = first_job + 3 * (n - 1)
    local id, result = ARGV[at], ARGV[at + 2]
    if result ~= '' then
      redis.call('HSET', job_key(prefix, id), 'result', result)
    end
    local finished_at = now_text
    if with_options[n] then
      local key = job_key(prefix, id)
      local spec = redis.call('HGET', key, 'spec')
      free_unique_lock(prefix, id, spec)
      note_batch_outcome(prefix, id, spec, 'succeeded')
      local shift = retention_shift(spec, retention)
      if shift ~= 0 then
        redis.call('HSET', key, 'kept', text(shift))
        finished_at = text(now + shift)
      end
    end
    taken[#taken + 1] = member
    finished[#finished + 1] = finished_at
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
  sweep_finished(prefix, KEYS[3], now - retention, 2 * #taken)
end
return replies
