-- Enqueues a batch of jobs, all or none: a batch that would take the queue past its
-- length limit is refused whole. A job whose id exists already is left as it is, so a
-- producer may resend a batch whose reply it never saw. (JobQueue refuses a batch with
-- one id twice.)
-- Jobs to run now go into the fresh hash; delayed ones get a hash of their own.
--
-- KEYS: ready, scheduled, fresh
-- ARGV: prefix, max_length (0: no limit), then per job: id, spec, run_at_us (0: now)
-- Returns {1, created, now} or {0, depth} when the queue is full.
local prefix, max_length = ARGV[1], tonumber(ARGV[2])
local count = (#ARGV - 2) / 3
local depth = redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
if max_length > 0 and depth + count > max_length then
  return {0, depth}
end
local now = now_us()
local now_text = text(now)
local ids, keys = {}, {}
for n = 1, count do
  ids[n] = ARGV[3 * n]
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
for n = 1, count do
  local id, key = ids[n], keys[n]
  if known == 0 or (redis.call('EXISTS', key) == 0 and redis.call('HEXISTS', KEYS[3], id) == 0) then
    local spec, run_at = ARGV[3 * n + 1], ARGV[3 * n + 2]
    if run_at ~= '0' and tonumber(run_at) > now then
      redis.call('HSET', key, 'spec', spec, 'state', 'scheduled', 'created_at', now_text, 'run_at', run_at)
      redis.call('ZADD', KEYS[2], run_at, id)
    else
      entries[#entries + 1] = id
      entries[#entries + 1] = fresh_entry(now_text, spec)
      ready[#ready + 1] = id
    end
    created = created + 1
  end
end
call_in_slices('HSET', KEYS[3], entries)
call_in_slices('LPUSH', KEYS[1], ready)
return {1, created, now}
