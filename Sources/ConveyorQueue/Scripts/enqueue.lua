-- Enqueues a batch of jobs, all or none: a batch that would take the queue past its
-- length limit is refused whole. A job whose id exists already is left as it is, so a
-- producer may resend a batch whose reply it never saw.
--
-- KEYS: ready, scheduled
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
local keys = {}
for n = 1, count do
  keys[n] = job_key(prefix, ARGV[3 * n])
end
-- One EXISTS for the batch; only a batch with a known id checks job by job.
local known = 0
for first = 1, count, 1000 do
  known = known + redis.call('EXISTS', unpack(keys, first, math.min(first + 999, count)))
end
local ready = {}
local created = 0
for n = 1, count do
  local key = keys[n]
  if known == 0 or redis.call('EXISTS', key) == 0 then
    local id, spec, run_at = ARGV[3 * n], ARGV[3 * n + 1], ARGV[3 * n + 2]
    if run_at ~= '0' and tonumber(run_at) > now then
      redis.call('HSET', key, 'spec', spec, 'state', 'scheduled', 'created_at', now_text, 'run_at', run_at)
      redis.call('ZADD', KEYS[2], run_at, id)
    else
      redis.call('HSET', key, 'spec', spec, 'state', 'queued', 'created_at', now_text, 'enqueued_at', now_text)
      ready[#ready + 1] = id
    end
    created = created + 1
  end
end
call_in_slices('LPUSH', KEYS[1], ready)
return {1, created, now}
