-- Enqueues a batch of jobs, all or none: a batch whose new jobs would take the queue past
-- its length limit, or a tenant past its quota, is refused whole. A job whose id exists
-- already is left as it is, so a producer may resend a batch whose reply it never saw.
-- (JobQueue refuses a batch with one id twice.) A batch whose ids were all made for it,
-- which no job can have yet, skips that lookup: two of the three hash lookups per job.
-- Jobs to run now go into the fresh hash; delayed ones get a hash of their own, and so do
-- jobs with a priority, which join the prioritized set too (see queue_job).
-- Every job created counts towards its tenant's waiting jobs and bytes (see prelude.lua).
--
-- A unique job names a lock (see unique_lock_key): while a job holds it, the new job is not
-- created, and the reply names the holder instead. Two jobs of one batch with one lock are
-- taken in order, the first holding it for the second.
--
-- KEYS: ready, scheduled, fresh, tenant_jobs, tenant_bytes, stats, finished, prioritized
-- ARGV: prefix, max_length (0: no limit), ids_new ('1' when every id was made for this
--   batch), tenant_count, option_count, then per tenant of the batch:
--   tenant, its jobs in the batch, their bytes (the specs' lengths), its job quota and
--   its byte quota (0: none); then per job with options: its position in the batch (from
--   1), its priority (0 to 9), its lock ('' for none: the scope letter and the key) and
--   the lock's period in microseconds (scope P); then per job: id, spec, run_at_us (0: now;
--   -1: waiting, until released, for the jobs of its batch that it comes after)
-- Returns {1, created, now, then per job not created for a lock another holds: its
-- position, the holder's id}, {0, depth} when the queue is full, or
-- {2, tenant, 'jobs' or 'bytes', waiting, quota} when a tenant would pass its quota.
local prefix, max_length, ids_new = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1'
local tenant_count, option_count = tonumber(ARGV[4]), tonumber(ARGV[5])
local first_option = 6 + 5 * tenant_count
local first_job = first_option + 4 * option_count
local count = (#ARGV - first_job + 1) / 3
local ids, keys = {}, {}
for n = 1, count do
  ids[n] = ARGV[first_job + 3 * (n - 1)]
  keys[n] = job_key(prefix, ids[n])
end
local known = 0
if not ids_new then
  for first = 1, count, 1000 do
    known = known + redis.call('EXISTS', unpack(keys, first, math.min(first + 999, count)))
  end
  if known == 0 then
    for _, entry in ipairs(call_in_slices('HMGET', KEYS[3], ids)) do
      if entry then
        known = known + 1
      end
    end
  end
end
local exists = {}
local resent = waiting_tally()
-- Jobs not created: resent ones, and unique ones whose lock another job holds.
local not_created = 0
if known > 0 then
  for n = 1, count do
    exists[n] = redis.call('EXISTS', keys[n]) == 1 or redis.call('HEXISTS', KEYS[3], ids[n]) == 1
    if exists[n] then
      resent.add(ARGV[first_job + 3 * (n - 1) + 1], 1)
      not_created = not_created + 1
    end
  end
end
-- The options by position; a unique job whose lock another holds is not created, and
-- counts as a resent one in the tallies.
local priorities, locks, holders = {}, {}, {}
local claimed = {}
for o = 0, option_count - 1 do
  local at = first_option + 4 * o
  local n = tonumber(ARGV[at])
  priorities[n] = tonumber(ARGV[at + 1])
  local lock = ARGV[at + 2]
  if lock ~= '' and not exists[n] then
    local key = unique_lock_key(prefix, lock)
    local holder = claimed[key]
    if not holder then
      local current = redis.call('GET', key)
      if current and current ~= ids[n] and unique_lock_holds(prefix, KEYS[3], KEYS[7], current, string.sub(lock, 1, 1)) then
        holder = current
      end
    end
    if holder then
      holders[n] = holder
      resent.add(ARGV[first_job + 3 * (n - 1) + 1], 1)
      not_created = not_created + 1
    else
      claimed[key] = ids[n]
      locks[n] = {key, tonumber(ARGV[at + 3])}
    end
  end
end
-- Only the jobs to create count against the length limit: a resend, or a unique job that
-- meets its holder, into a full queue is answered as into any other. Cancelled jobs whose
-- ids are still in the ready list do not count (see cancel.lua).
local depth = redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
  - (tonumber(redis.call('HGET', KEYS[6], 'cancelled_in_line')) or 0)
if max_length > 0 and depth + count - not_created > max_length then
  return {0, depth}
end
-- The new jobs join their tenants' tallies, one HINCRBY a tenant and measure: KEYS[3 + m]
-- holds the tallies of measure m (jobs, bytes), ARGV[at + m] the batch's own (less the
-- resent, in `resent.counts[m]`) and ARGV[at + 2 + m] the quota. A tally past its quota is
-- taken back with those added before it, and the batch refused; the script being atomic,
-- no one sees the tallies in between.
local measures = {'jobs', 'bytes'}
local added = {}
for t = 0, tenant_count - 1 do
  local at = 6 + 5 * t
  for m = 1, 2 do
    local batch = tonumber(ARGV[at + m]) - (resent.counts[m][ARGV[at]] or 0)
    if batch > 0 then
      local tally = redis.call('HINCRBY', KEYS[3 + m], ARGV[at], batch)
      added[#added + 1] = {KEYS[3 + m], ARGV[at], -batch}
      local quota = tonumber(ARGV[at + 2 + m])
      if quota > 0 and tally > quota then
        for _, change in ipairs(added) do
          add_to_tally(change[1], change[2], change[3])
        end
        return {2, ARGV[at], measures[m], tally - batch, quota}
      end
    end
  end
end
local now = now_us()
local now_text = text(now)
local ready, entries = {}, {}
local created = 0
local reply = {1, 0, now}
for n = 1, count do
  if holders[n] then
    reply[#reply + 1] = n
    reply[#reply + 1] = holders[n]
  elseif not exists[n] then
    local id, key, at = ids[n], keys[n], first_job + 3 * (n - 1)
    local spec, run_at = ARGV[at + 1], ARGV[at + 2]
    local priority = priorities[n] or 0
    if run_at == '-1' then
      -- last in the schedule, where promote never reaches: run_now releases it
      redis.call('HSET', key, 'spec', spec, 'state', 'waiting', 'created_at', now_text)
      if priority > 0 then
        redis.call('HSET', key, 'priority', priority)
      end
      redis.call('ZADD', KEYS[2], '+inf', id)
    elseif run_at ~= '0' and tonumber(run_at) > now then
      redis.call('HSET', key, 'spec', spec, 'state', 'scheduled', 'created_at', now_text, 'run_at', run_at)
      if priority > 0 then
        redis.call('HSET', key, 'priority', priority)
      end
      redis.call('ZADD', KEYS[2], run_at, id)
    elseif priority > 0 then
      -- in the ready list after the jobs of this batch before it, as a fresh one would be
      call_in_slices('LPUSH', KEYS[1], ready)
      ready = {}
      redis.call('HSET', key, 'spec', spec, 'state', 'queued', 'created_at', now_text, 'enqueued_at', now_text, 'priority', priority)
      queue_job(KEYS[1], KEYS[8], KEYS[6], id, priority, false)
    else
      entries[#entries + 1] = id
      entries[#entries + 1] = fresh_entry(now_text, spec)
      ready[#ready + 1] = id
    end
    if locks[n] then
      if locks[n][2] > 0 then
        redis.call('SET', locks[n][1], id, 'PX', math.max(1, math.floor(locks[n][2] / 1000)))
      else
        redis.call('SET', locks[n][1], id)
      end
    end
    created = created + 1
  end
end
call_in_slices('HSET', KEYS[3], entries)
call_in_slices('LPUSH', KEYS[1], ready)
reply[2] = created
return reply
