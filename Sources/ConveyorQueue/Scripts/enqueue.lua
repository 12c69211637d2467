-- Enqueues a batch of jobs, all or none: a batch that would take the queue past its
-- length limit, or a tenant past its quota, is refused whole. A job whose id exists
-- already is left as it is, so a producer may resend a batch whose reply it never saw.
-- (JobQueue refuses a batch with one id twice.)
-- Jobs to run now go into the fresh hash; delayed ones get a hash of their own.
-- Every job counts towards its tenant's waiting jobs and bytes (see prelude.lua).
--
-- KEYS: ready, scheduled, fresh, tenant_jobs, tenant_bytes
-- ARGV: prefix, max_length (0: no limit), tenant_count, then per tenant of the batch:
--   tenant, its jobs in the batch, their bytes (the specs' lengths), its job quota and
--   its byte quota (0: none); then per job: id, spec, run_at_us (0: now)
-- Returns {1, created, now}, {0, depth} when the queue is full, or
-- {2, tenant, 'jobs' or 'bytes', waiting, quota} when a tenant would pass its quota.
local prefix, max_length, tenant_count = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local first_job = 4 + 5 * tenant_count
local count = (#ARGV - first_job + 1) / 3
local depth = redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
if max_length > 0 and depth + count > max_length then
  return {0, depth}
end
for t = 0, tenant_count - 1 do
  local at = 4 + 5 * t
  local tenant, jobs_quota, bytes_quota = ARGV[at], tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4])
  if jobs_quota > 0 then
    local waiting = tonumber(redis.call('HGET', KEYS[4], tenant) or 0)
    if waiting + tonumber(ARGV[at + 1]) > jobs_quota then
      return {2, tenant, 'jobs', waiting, jobs_quota}
    end
  end
  if bytes_quota > 0 then
    local waiting = tonumber(redis.call('HGET', KEYS[5], tenant) or 0)
    if waiting + tonumber(ARGV[at + 2]) > bytes_quota then
      return {2, tenant, 'bytes', waiting, bytes_quota}
    end
  end
end
local now = now_us()
local now_text = text(now)
local ids, keys = {}, {}
for n = 1, count do
  ids[n] = ARGV[first_job + 3 * (n - 1)]
  keys[n] = job_key(prefix, ids[n])
end
-- One EXISTS and one HMGET for the batch; only a batch with a known id checks job by job.
local known = 0
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
local ready, entries = {}, {}
local created = 0
local waiting = waiting_tally()
for n = 1, count do
  local id, key = ids[n], keys[n]
  if known == 0 or (redis.call('EXISTS', key) == 0 and redis.call('HEXISTS', KEYS[3], id) == 0) then
    local at = first_job + 3 * (n - 1)
    local spec, run_at = ARGV[at + 1], ARGV[at + 2]
    if run_at ~= '0' and tonumber(run_at) > now then
      redis.call('HSET', key, 'spec', spec, 'state', 'scheduled', 'created_at', now_text, 'run_at', run_at)
      redis.call('ZADD', KEYS[2], run_at, id)
    else
      entries[#entries + 1] = id
      entries[#entries + 1] = fresh_entry(now_text, spec)
      ready[#ready + 1] = id
    end
    created = created + 1
    if known > 0 then
      waiting.add(spec, 1)
    end
  end
end
call_in_slices('HSET', KEYS[3], entries)
call_in_slices('LPUSH', KEYS[1], ready)
if known == 0 then
  -- Every job was created: the batch's own tallies are the waiting jobs' new ones.
  for t = 0, tenant_count - 1 do
    local at = 4 + 5 * t
    add_to_tally(KEYS[4], ARGV[at], tonumber(ARGV[at + 1]))
    add_to_tally(KEYS[5], ARGV[at], tonumber(ARGV[at + 2]))
  end
else
  waiting.write(KEYS[4], KEYS[5])
end
return {1, created, now}
